using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>OWASP API5 at the endpoint level: GET needs read, writes need write, write implies read, * implies all.</summary>
public class ScopeTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData("clients:read")]
    [InlineData("clients:write")]
    [InlineData("*")]
    public async Task ListClients_WithReadWriteOrStar_200(string scope)
    {
        var key = await app.CreateKeyAsync(scopes: [scope]);
        using var client = app.CreateClient(key.Secret);

        var page = await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        Assert.NotEmpty(page.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task ListClients_WithOnlyJobsRead_403NamingClientsRead()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = app.CreateClient(key.Secret);

        var problem = await client.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["clients:read"], problem.GetProperty("missingScopes").Strings());
        Assert.Contains("clients:read", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CreateClient_WithOnlyClientsRead_403NamingClientsWrite()
    {
        var key = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = app.CreateClient(key.Secret);

        var problem = await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Should not exist" }))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["clients:write"], problem.GetProperty("missingScopes").Strings());
        await using var db = await app.CreateDbContextAsync();
        Assert.False(db.Clients.Any(c => c.Name == "Should not exist"));
    }

    [Fact]
    public async Task CreateClient_WithClientsWrite_201()
    {
        var key = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(key.Secret);
        var name = AppFactory.UniqueName("client");

        var response = await client.PostAsync("/api/v1/clients", Http.Json(new { name }));
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(name, created.GetProperty("name").GetString());
        var id = created.GetProperty("id").GetString();
        Assert.Equal($"/api/v1/clients/{id}", response.Headers.Location?.OriginalString);
        await client.GetAsync($"/api/v1/clients/{id}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Star_ReachesEveryEndpoint()
    {
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(key.Secret);

        foreach (var path in new[] { "/api/v1/clients", "/api/v1/jobs", "/api/v1/visits", "/api/v1/invoices", "/api/v1/items", "/api/v1/api-keys" })
            await client.GetAsync(path).ExpectAsync(HttpStatusCode.OK);
        await client.PostAsync("/api/v1/clients", Http.Json(new { name = AppFactory.UniqueName("client") })).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "*" } }))
            .ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("GET", "/api/v1/jobs", "jobs:read")]
    [InlineData("GET", "/api/v1/visits", "visits:read")]
    [InlineData("GET", "/api/v1/invoices", "invoices:read")]
    [InlineData("GET", "/api/v1/items", "items:read")]
    [InlineData("POST", "/api/v1/jobs", "jobs:write")]
    public async Task ResourceEndpoint_WithUnrelatedScope_403NamingTheScope(string method, string path, string missing)
    {
        var key = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(key.Secret);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = Http.Json(new { title = "x" });

        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal([missing], problem.GetProperty("missingScopes").Strings());
    }

    [Theory]
    [InlineData("GET", "/api/v1/api-keys")]
    [InlineData("POST", "/api/v1/api-keys")]
    [InlineData("GET", "/api/v1/api-keys/key_00000000000000000000")]
    [InlineData("PATCH", "/api/v1/api-keys/key_00000000000000000000")]
    [InlineData("DELETE", "/api/v1/api-keys/key_00000000000000000000")]
    [InlineData("POST", "/api/v1/api-keys/key_00000000000000000000/rotate")]
    [InlineData("GET", "/api/v1/api-keys/key_00000000000000000000/activity")]
    public async Task ApiKeyEndpoints_WithoutApiKeysManage_403(string method, string path)
    {
        var key = await app.CreateKeyAsync(scopes: ["clients:write", "jobs:write", "visits:write", "invoices:write", "items:write", "integrations:write"]);
        using var client = app.CreateClient(key.Secret);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PATCH") request.Content = Http.Json(new { name = "escalate", scopes = new[] { "*" } });

        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["api-keys:manage"], problem.GetProperty("missingScopes").Strings());
    }
}
