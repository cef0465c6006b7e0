using System.Net;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// OWASP API5: a key with <c>api-keys:manage</c> manages keys, but never hands out (by create, update or rotate)
/// a scope it does not hold itself.
/// </summary>
public class ScopeEscalationTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";

    private async Task<HttpClient> ManagerAsync(params string[] extraScopes) =>
        app.CreateClient((await app.CreateKeyAsync(scopes: ["api-keys:manage", .. extraScopes])).Secret);

    [Theory]
    [InlineData(new[] { "clients:write" }, new[] { "clients:write" })]
    [InlineData(new[] { "*" }, new[] { "*" })]
    [InlineData(new[] { "clients:read", "jobs:write", "*" }, new[] { "*", "jobs:write" })]
    [InlineData(new[] { "clients:read", "invoices:read" }, new[] { "invoices:read" })]
    public async Task CreateKey_ScopesTheCallerLacks_403NamingExactlyThose(string[] requested, string[] missing)
    {
        using var client = await ManagerAsync("clients:read");
        var name = AppFactory.UniqueName("escalation");

        var problem = await client.PostAsync(Keys, Http.Json(new { name, scopes = requested }))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(missing.Order(StringComparer.Ordinal), problem.GetProperty("missingScopes").Strings().Order(StringComparer.Ordinal));
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.All(missing, scope => Assert.Contains(scope, detail));
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.Name == name), "Nothing may be created.");
    }

    [Theory]
    [InlineData("clients:read")]
    [InlineData("api-keys:manage")]
    public async Task CreateKey_ScopesTheCallerHolds_201(string scope)
    {
        using var client = await ManagerAsync("clients:read");

        var created = await client.PostAsync(Keys, Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { scope } }))
            .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal([scope], created.GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task CreateKey_ReadImpliedByCallersWrite_201()
    {
        using var client = await ManagerAsync("clients:write");

        await client.PostAsync(Keys, Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(new[] { "clients:read", "clients:write" }, new[] { "clients:write" })]
    [InlineData(new[] { "*" }, new[] { "*" })]
    public async Task UpdateKey_AddingScopesTheCallerLacks_403AndUnchanged(string[] scopes, string[] missing)
    {
        using var client = await ManagerAsync("clients:read");
        var target = await app.CreateKeyAsync(scopes: ["clients:read"]);

        var problem = await client.PatchAsync($"{Keys}/{target.Id}", new { scopes })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(missing, problem.GetProperty("missingScopes").Strings());
        var stored = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["clients:read"], stored.GetProperty("scopes").Strings());
        using var targetClient = app.CreateClient(target.Secret);
        await targetClient.PostAsync("/api/v1/clients", Http.Json(new { name = "x" })).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }

    [Fact]
    public async Task UpdateKey_ItsOwnScopesUpward_403()
    {
        var manager = await app.CreateKeyAsync(scopes: ["api-keys:manage", "clients:read"]);
        using var client = app.CreateClient(manager.Secret);

        await client.PatchAsync($"{Keys}/{manager.Id}", new { scopes = new[] { "*" } })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        var info = await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["clients:read", "api-keys:manage"], info.GetProperty("credential").GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task RotateKey_WhoseScopesExceedTheCallers_403AndNotRotated()
    {
        using var client = await ManagerAsync("clients:read");
        var target = await app.CreateKeyAsync(scopes: ["clients:read", "jobs:write"]);

        var problem = await client.PostAsync($"{Keys}/{target.Id}/rotate", null)
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["jobs:write"], problem.GetProperty("missingScopes").Strings());
        var stored = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(stored.IsNull("replacedByKeyId"));
        using var targetClient = app.CreateClient(target.Secret);
        await targetClient.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.ReplacesKeyId == target.Id));
    }

    [Fact]
    public async Task RotateKey_BroaderThanTheCaller_403EvenWhenNarrowedToScopesTheCallerHolds()
    {
        using var client = await ManagerAsync("clients:read");
        var target = await app.CreateKeyAsync(scopes: ["clients:read", "jobs:write"]);

        var problem = await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { scopes = new[] { "clients:read" } }))
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["jobs:write"], problem.GetProperty("missingScopes").Strings());
    }

    [Fact]
    public async Task RotateKey_WithinTheCallersScopes_201()
    {
        using var client = await ManagerAsync("clients:write");
        var target = await app.CreateKeyAsync(scopes: ["clients:read"]);

        await client.PostAsync($"{Keys}/{target.Id}/rotate", null).ExpectAsync(HttpStatusCode.Created);
    }
}
