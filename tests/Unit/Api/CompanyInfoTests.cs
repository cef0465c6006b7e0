using System.Net;
using System.Text.Json;

namespace FieldCamp.Tests.Unit.Api;

/// <summary><c>GET /api/v1/company-info</c> and its alias: the tenant and the calling credential, nothing more.</summary>
public class CompanyInfoTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData("/api/v1/company-info")]
    [InlineData("/api/company-info")]
    public async Task GetCompanyInfo_ValidKey_ReturnsTenantAndCredential(string path)
    {
        var expires = DateTime.UtcNow.AddDays(30);
        var key = await app.CreateKeyAsync("acme", "South", ["jobs:read", "clients:write"], expiresAt: expires);
        using var client = app.CreateClient(key.Secret);

        var response = await client.GetAsync(path);
        var info = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["branch", "company", "credential"], Names(info));

        var company = info.GetProperty("company");
        Assert.Equal(["id", "name", "slug"], Names(company));
        Assert.Equal(key.CompanyId, company.GetProperty("id").GetString());
        Assert.Equal("acme", company.GetProperty("slug").GetString());
        Assert.Equal("Acme Field Services", company.GetProperty("name").GetString());

        var branch = info.GetProperty("branch");
        Assert.Equal(["id", "name"], Names(branch));
        Assert.Equal(key.BranchId, branch.GetProperty("id").GetString());
        Assert.Equal("South", branch.GetProperty("name").GetString());

        var credential = info.GetProperty("credential");
        Assert.Equal(["expiresAt", "id", "name", "scopes", "type"], Names(credential));
        Assert.Equal("api_key", credential.GetProperty("type").GetString());
        Assert.Equal(key.Id, credential.GetProperty("id").GetString());
        Assert.Equal(key.Name, credential.GetProperty("name").GetString());
        // As granted (clients:write is not expanded into clients:read here), in catalogue order.
        Assert.Equal(["clients:write", "jobs:read"], credential.GetProperty("scopes").Strings());
        var expiresAt = credential.GetProperty("expiresAt").GetDateTime().ToUniversalTime();
        Assert.InRange((expiresAt - expires).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.DoesNotContain(key.Secret, info.GetRawText());
    }

    [Fact]
    public async Task GetCompanyInfo_KeyWithoutExpiry_ExpiresAtIsNull()
    {
        var key = await app.CreateKeyAsync("globex", scopes: ["items:read"]);
        using var client = app.CreateClient(key.Secret, KeyHeader.XApiKey);

        var info = await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, info.GetProperty("credential").GetProperty("expiresAt").ValueKind);
        Assert.Equal("globex", info.GetProperty("company").GetProperty("slug").GetString());
        Assert.Equal("Main", info.GetProperty("branch").GetProperty("name").GetString());
    }

    [Fact]
    public async Task GetCompanyInfo_AnyScopeSuffices()
    {
        var key = await app.CreateKeyAsync(scopes: ["integrations:write"]);
        using var client = app.CreateClient(key.Secret);

        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task GetCompanyInfo_AfterTheKeyIsEdited_AnswersWithTheEditAtOnce()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = app.CreateClient(key.Secret);
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        using var adminClient = app.CreateClient(admin.Secret);
        await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);

        var newName = AppFactory.UniqueName("renamed");
        await adminClient.PatchAsync($"/api/v1/api-keys/{key.Id}", new { name = newName, scopes = new[] { "jobs:read", "clients:read" } })
            .ExpectAsync(HttpStatusCode.OK);

        var credential = (await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK)).GetProperty("credential");
        Assert.Equal(newName, credential.GetProperty("name").GetString());
        Assert.Equal(["clients:read", "jobs:read"], credential.GetProperty("scopes").Strings());
    }

    private static IEnumerable<string> Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
}
