using System.Net;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Rules found by attacking the key API: a narrow key cannot change a broader one, a retired key stays retired,
/// expiries are bounded, and names cannot hide characters.
/// </summary>
public class KeyLifecycleRulesTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";

    private async Task<HttpClient> ManagerAsync(params string[] extraScopes) =>
        app.CreateClient((await app.CreateKeyAsync(scopes: ["api-keys:manage", .. extraScopes])).Secret);

    private async Task<TestKey> ExpiredKeyAsync(string[] scopes)
    {
        var key = await app.CreateKeyAsync(scopes: scopes, expiresAt: DateTime.UtcNow.AddDays(1));
        await using var db = await app.CreateDbContextAsync();
        await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(set => set.SetProperty(k => k.ExpiresAt, DateTime.UtcNow.AddMinutes(-5)));
        return key;
    }

    [Fact]
    public async Task NarrowManager_CannotReviveAnExpiredStarKey_403AndTheKeyStaysExpired()
    {
        using var client = await ManagerAsync("jobs:read");
        var target = await ExpiredKeyAsync(["*"]);

        var problem = await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = (DateTime?)null })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["*"], problem.GetProperty("missingScopes").Strings());
        using var revived = app.CreateClient(target.Secret);
        await revived.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
    }

    [Fact]
    public async Task NarrowManager_CannotRenameOrExtendABroaderLiveKey_ButMayRevokeIt()
    {
        using var client = await ManagerAsync("clients:read");
        var target = await app.CreateKeyAsync(scopes: ["clients:read", "jobs:write"]);

        await client.PatchAsync($"{Keys}/{target.Id}", new { name = "hijacked" })
            .ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        var stored = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(target.Name, stored.GetProperty("name").GetString());

        (await client.DeleteAsync($"{Keys}/{target.Id}")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task ExpiredKey_LengtheningItsLife_409InvalidState_EvenForAFullManager()
    {
        using var client = await ManagerAsync("*");
        var target = await ExpiredKeyAsync(["clients:read"]);

        await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = (DateTime?)null })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = DateTime.UtcNow.AddDays(30) })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        using var revived = app.CreateClient(target.Secret);
        await revived.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
        // Other changes to a retired key's record stay possible.
        await client.PatchAsync($"{Keys}/{target.Id}", new { name = "retired-export" }).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RotatedKey_OverlapMayShortenButNeverLengthen()
    {
        using var client = await ManagerAsync("*");
        var old = await app.CreateKeyAsync();
        await client.PostAsync($"{Keys}/{old.Id}/rotate", Http.Json(new { oldKeyExpiresInHours = 24 })).ExpectAsync(HttpStatusCode.Created);

        await client.PatchAsync($"{Keys}/{old.Id}", new { expiresAt = DateTime.UtcNow.AddHours(48) })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.PatchAsync($"{Keys}/{old.Id}", new { expiresAt = (DateTime?)null })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        var shortened = await client.PatchAsync($"{Keys}/{old.Id}", new { expiresAt = DateTime.UtcNow.AddHours(1) })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.True(shortened.GetProperty("expiresAt").GetDateTime() < DateTime.UtcNow.AddHours(2));
    }

    [Fact]
    public async Task FarExpiry_400OnCreateAndPatch()
    {
        using var client = await ManagerAsync("*");

        var problem = await client.PostAsync(Keys, Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" }, expiresAt = "9999-12-31T23:59:59Z" }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresAt", out _));

        var key = await app.CreateKeyAsync();
        await client.PatchAsync($"{Keys}/{key.Id}", new { expiresAt = "9999-12-31T23:59:59Z" })
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task RotatingAKeyStoredWithAFarExpiry_GivesTheReplacementAtMostTenYears()
    {
        using var client = await ManagerAsync("*");
        var old = await app.CreateKeyAsync(expiresAt: DateTime.UtcNow.AddDays(30));
        await using (var db = await app.CreateDbContextAsync())
            await db.ApiKeys.Where(k => k.Id == old.Id).ExecuteUpdateAsync(set => set.SetProperty(k => k.ExpiresAt, DateTime.MaxValue));

        var replacement = await client.PostAsync($"{Keys}/{old.Id}/rotate", null).ExpectAsync(HttpStatusCode.Created);

        var expiry = replacement.GetProperty("expiresAt").GetDateTime();
        Assert.InRange(expiry, DateTime.UtcNow.AddYears(9), DateTime.UtcNow.AddYears(10).AddDays(2));
    }

    [Theory]
    [InlineData("\u202Egnp.exe")]      // right-to-left override
    [InlineData("billing\u200Bsync")]  // zero-width space
    [InlineData("billing\0sync")]      // null
    [InlineData("billing\nsync")]      // line break
    [InlineData("billing\u2028sync")]  // line separator
    [InlineData("billing\uD800sync")]  // lone surrogate
    [InlineData("   ")]
    public async Task HostileName_400NamingTheField_OnCreateAndPatch(string name)
    {
        using var client = await ManagerAsync("*");

        var created = await client.PostAsync(Keys, Http.Json(new { name, scopes = new[] { "clients:read" } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(created.GetProperty("errors").TryGetProperty("name", out _));

        var key = await app.CreateKeyAsync();
        var patched = await client.PatchAsync($"{Keys}/{key.Id}", new { name })
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(patched.GetProperty("errors").TryGetProperty("name", out _));
        var stored = await client.GetAsync($"{Keys}/{key.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(key.Name, stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task NameIsTrimmed_AndAccentsAndEmojiAreFine()
    {
        using var client = await ManagerAsync("*");

        var created = await client.PostAsync(Keys, Http.Json(new { name = "  Café sync 🚚  ", scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("Café sync 🚚", created.GetProperty("name").GetString());
    }
}
