using System.Net;
using System.Text;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Bad input of every kind is a 400 <c>validation_failed</c> problem naming the field, never a 500.</summary>
public class ValidationTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";

    private async Task<HttpClient> AdminClientAsync() =>
        app.CreateClient((await app.CreateKeyAsync(scopes: ["*"])).Secret);

    private async Task<Dictionary<string, string[]>> ExpectValidationAsync(HttpResponseMessage response)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        return problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Strings());
    }

    [Fact]
    public async Task CreateKey_UnknownScope_400ListingTheValidScopes()
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys, Http.Json(new { name = "x", scopes = new[] { "clients:delete" } })));

        var message = Assert.Single(errors["scopes"]);
        Assert.Contains("clients:delete", message);
        Assert.All(Scopes.Catalogue, scope => Assert.Contains(scope, message));
        Assert.Contains("*", message);
    }

    [Fact]
    public async Task CreateKey_WebhooksManage_400PointingToIntegrationsWrite()
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys, Http.Json(new { name = "x", scopes = new[] { "webhooks:manage" } })));

        Assert.Contains("integrations:write", Assert.Single(errors["scopes"]));
    }

    public static TheoryData<string, string> InvalidCreateBodies => new()
    {
        { """{"name":"","scopes":["clients:read"]}""", "name" },
        { """{"name":"   ","scopes":["clients:read"]}""", "name" },
        { $$"""{"name":"{{new string('n', 101)}}","scopes":["clients:read"]}""", "name" },
        { """{"scopes":["clients:read"]}""", "name" },
        { """{"name":"x","scopes":["clients:read"],"expiresAt":"2020-01-01T00:00:00Z"}""", "expiresAt" },
        { """{"name":"x","scopes":[]}""", "scopes" },
        { """{"name":"x"}""", "scopes" },
        { """{"name":"x","scopes":["clients:read"],"rateLimit":{"requestsPerMinute":0}}""", "rateLimit.requestsPerMinute" },
        { """{"name":"x","scopes":["clients:read"],"rateLimit":{"requestsPerMinute":-5}}""", "rateLimit.requestsPerMinute" },
        { """{"name":"x","scopes":["clients:read"],"rateLimit":{"requestsPerMinute":1000001}}""", "rateLimit.requestsPerMinute" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreateBodies))]
    public async Task CreateKey_InvalidField_400NamingTheField(string body, string field)
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys, Http.RawJson(body)));

        Assert.Contains(field, errors.Keys);
        Assert.NotEmpty(errors[field]);
    }

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("{name: 'x'}")]
    [InlineData("not json at all")]
    [InlineData("{\"name\":123,\"scopes\":[\"clients:read\"]}")]
    [InlineData("{\"name\":\"x\",\"scopes\":\"clients:read\"}")]
    [InlineData("{\"name\":\"x\",\"scopes\":[1,2]}")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"clients:read\"],\"expiresAt\":\"tomorrow\"}")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"clients:read\"],\"rateLimit\":5}")]
    [InlineData("{\"name\":\"x\",\"scopes\":[\"clients:read\"],\"rateLimit\":{\"requestsPerMinute\":\"many\"}}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("")]
    public async Task CreateKey_UnreadableBody_400ValidationFailed(string body)
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys, Http.RawJson(body)));

        Assert.NotEmpty(errors);
    }

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("{\"name\":\"x\"")]
    [InlineData("{")]
    public async Task CreateKey_JsonCutShort_SaysItIsNotValidJson(string body)
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys, Http.RawJson(body)));

        // An unclosed brace is a quoting slip, not nesting: the message must not send anyone looking for depth.
        Assert.True(errors.TryGetValue("body", out var messages) && messages is ["The request body is not valid JSON for this endpoint."],
            string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" | ", e.Value)}")));
    }

    [Fact]
    public async Task CreateKey_NoBodyAtAll_400ValidationFailed()
    {
        using var client = await AdminClientAsync();

        await ExpectValidationAsync(await client.PostAsync(Keys, null));
    }

    [Fact]
    public async Task CreateKey_NotJsonContentType_4xxProblemNotServerError()
    {
        using var client = await AdminClientAsync();

        var response = await client.PostAsync(Keys, new StringContent("name=x&scopes=clients:read", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task CreateKey_NameOf100Characters_201()
    {
        using var client = await AdminClientAsync();
        var name = new string('n', 90) + Guid.NewGuid().ToString("N")[..10];

        var created = await client.PostAsync(Keys, Http.Json(new { name, scopes = new[] { "clients:read" } })).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(name, created.GetProperty("name").GetString());
    }

    public static TheoryData<string, string> InvalidPatchBodies => new()
    {
        { """{"name":""}""", "name" },
        { $$"""{"name":"{{new string('n', 101)}}"}""", "name" },
        { """{"scopes":[]}""", "scopes" },
        { """{"scopes":["bogus:read"]}""", "scopes" },
        { """{"scopes":["webhooks:manage"]}""", "scopes" },
        { """{"expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt" },
        { """{"rateLimit":{"requestsPerMinute":0}}""", "rateLimit.requestsPerMinute" },
    };

    [Theory]
    [MemberData(nameof(InvalidPatchBodies))]
    public async Task UpdateKey_InvalidField_400AndKeyUnchanged(string body, string field)
    {
        using var client = await AdminClientAsync();
        var target = await app.CreateKeyAsync();

        var errors = await ExpectValidationAsync(await client.PatchAsync($"{Keys}/{target.Id}", Http.RawJson(body)));

        Assert.Contains(field, errors.Keys);
        var stored = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(target.Name, stored.GetProperty("name").GetString());
        Assert.Equal(["clients:read"], stored.GetProperty("scopes").Strings());
    }

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("{\"scopes\":\"clients:read\"}")]
    [InlineData("{\"rateLimit\":true}")]
    [InlineData("")]
    public async Task UpdateKey_UnreadableBody_400ValidationFailed(string body)
    {
        using var client = await AdminClientAsync();
        var target = await app.CreateKeyAsync();

        await ExpectValidationAsync(await client.PatchAsync($"{Keys}/{target.Id}", Http.RawJson(body)));
    }

    [Theory]
    [InlineData("{\"oldKeyExpiresInHours\":\"soon\"}")]
    [InlineData("{\"scopes\":\"clients:read\"}")]
    [InlineData("{\"oldKeyExpiresInHours\":")]
    public async Task RotateKey_UnreadableBody_400ValidationFailed(string body)
    {
        using var client = await AdminClientAsync();
        var target = await app.CreateKeyAsync();

        await ExpectValidationAsync(await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.RawJson(body)));
    }

    [Theory]
    [InlineData("status=bogus", "status")]
    [InlineData("status=Active", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("cursor=nope", "cursor")]
    public async Task ListKeys_InvalidQuery_400NamingTheField(string query, string field)
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.GetAsync($"{Keys}?{query}"));

        Assert.Contains(field, errors.Keys);
    }

    [Theory]
    [InlineData("/api/v1/api-keys?limit=abc")]
    [InlineData("/api/v1/clients?limit=0")]
    [InlineData("/api/v1/clients?limit=many")]
    public async Task List_UnparsableQuery_400ValidationFailed(string path)
    {
        using var client = await AdminClientAsync();

        await ExpectValidationAsync(await client.GetAsync(path));
    }

    [Theory]
    [InlineData("{}", "name")]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":42}", "name")]
    public async Task CreateClient_Invalid_400(string body, string field)
    {
        using var client = await AdminClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync("/api/v1/clients", Http.RawJson(body)));

        Assert.Contains(field, errors.Keys);
    }

    [Theory]
    [InlineData("PUT", "/api/v1/api-keys")]
    [InlineData("PUT", "/api/v1/api-keys/key_x")]
    [InlineData("DELETE", "/api/v1/company-info")]
    [InlineData("PATCH", "/api/v1/clients")]
    public async Task UnsupportedMethod_405Problem(string method, string path)
    {
        using var client = await AdminClientAsync();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.RawJson("{}") });

        await response.ExpectProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.NotEmpty(response.Content.Headers.Allow);
    }

    [Fact]
    public async Task UnknownApiRoute_404Problem()
    {
        using var client = await AdminClientAsync();

        await client.GetAsync("/api/v1/no-such-thing").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
