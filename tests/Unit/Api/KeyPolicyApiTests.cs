using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Sets a company's key policy in the store, as an owner saving the page would.</summary>
internal static class KeyPolicyFixtures
{
    public static async Task SetKeyPolicyAsync(this AppFactory app, KeyPolicySettings settings, string company = "acme")
    {
        var (companyId, _) = await app.TenantAsync(company);
        await using var db = await app.CreateDbContextAsync();
        var policy = await db.KeyPolicies.FirstOrDefaultAsync(p => p.CompanyId == companyId);
        if (policy is null) db.KeyPolicies.Add(policy = KeyPolicy.Default(companyId));
        if (policy.Change(settings, Actor.Operator("tests"), DateTime.UtcNow) is { } changed) db.AuditEvents.Add(changed);
        await db.SaveChangesAsync();
    }
}

/// <summary>
/// The company key policy on <c>/api/v1/api-keys</c>: create, PATCH and rotate refuse what it forbids with a 400
/// <c>validation_failed</c> naming the policy; a company without one is not held to it. Each test has its own app, as
/// the policy is company-wide.
/// </summary>
public sealed class KeyPolicyApiTests : IDisposable
{
    private const string Keys = "/api/v1/api-keys";
    private readonly AppFactory _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<HttpClient> AdminClientAsync(string company = "acme") =>
        _app.CreateClient((await _app.CreateKeyAsync(company, scopes: ["*"], expiresAt: DateTime.UtcNow.AddDays(7))).Secret);

    private static async Task<string> ExpiryErrorAsync(HttpResponseMessage response)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        return Assert.Single(problem.GetProperty("errors").GetProperty("expiresAt").Strings());
    }

    private static object NewKey(DateTime? expiresAt) => new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" }, expiresAt };

    [Fact]
    public async Task CreateKey_BeyondMaxLifetime_400NamingThePolicy()
    {
        using var client = await AdminClientAsync();
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, MaxLifetimeDays: 365));

        var error = await ExpiryErrorAsync(await client.PostAsync(Keys, Http.Json(NewKey(DateTime.UtcNow.AddDays(400)))));

        Assert.StartsWith("Acme Field Services requires every key to expire within 365 days", error);
        Assert.Contains("key policy", error);
        await client.PostAsync(Keys, Http.Json(NewKey(DateTime.UtcNow.AddDays(300)))).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task LeakReplacement_BeyondMaxLifetime_RefusedNothingCreated()
    {
        var key = await _app.CreateKeyAsync(scopes: ["jobs:read"]);
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, MaxLifetimeDays: 30));
        var incidents = _app.Services.GetRequiredService<FieldCamp.Web.Incidents.IncidentManager>();
        var scope = new FieldCamp.Web.ApiKeys.KeyScope(key.CompanyId, key.BranchId);
        var admin = Actor.Person("u_admin", "admin@acme.test", "203.0.113.9");
        var incident = (await incidents.ReportAsync(scope, key.Id, admin))!;
        var activity = await _app.Services.GetRequiredService<FieldCamp.Web.Incidents.LeakActivityReader>().ReadAsync(incident, 24);
        await incidents.RecordActivityAsync(scope, incident.Id, activity, admin);

        var refused = await Assert.ThrowsAsync<FieldCamp.Domain.DomainValidationException>(() => incidents.IssueReplacementAsync(
            scope, incident.Id, new NewApiKey("replacement", ["jobs:read"], DateTime.UtcNow.AddDays(180)), admin));

        Assert.Contains("within 30 days", string.Join(" ", refused.Errors["expiresAt"]));
        await using var db = await _app.CreateDbContextAsync();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.Name == "replacement"));
        Assert.NotNull(await incidents.IssueReplacementAsync(scope, incident.Id,
            new NewApiKey("replacement", ["jobs:read"], DateTime.UtcNow.AddDays(30)), admin));
    }

    [Fact]
    public async Task CreateKey_NoExpiryWhenRequired_400()
    {
        using var client = await AdminClientAsync();
        await _app.SetKeyPolicyAsync(new(RequireExpiry: true));

        var error = await ExpiryErrorAsync(await client.PostAsync(Keys, Http.Json(NewKey(null))));

        Assert.StartsWith("Acme Field Services requires every key to expire", error);
    }

    [Fact]
    public async Task CreateKey_PolicyOfAnotherCompany_NotApplied()
    {
        using var client = await AdminClientAsync("globex");
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, RequireExpiry: true, MaxLifetimeDays: 30));

        await client.PostAsync(Keys, Http.Json(NewKey(null))).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync(Keys, Http.Json(NewKey(DateTime.UtcNow.AddYears(3)))).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreatePatchRotate_NoPolicy_NoExpiryAccepted()
    {
        using var client = await AdminClientAsync();

        var created = await client.PostAsync(Keys, Http.Json(NewKey(null))).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await client.PatchAsync($"{Keys}/{id}", new { expiresAt = DateTime.UtcNow.AddYears(5) }).ExpectAsync(HttpStatusCode.OK);
        await client.PatchAsync($"{Keys}/{id}", new { expiresAt = (DateTime?)null }).ExpectAsync(HttpStatusCode.OK);
        var rotated = await client.PostAsync($"{Keys}/{id}/rotate", null).ExpectAsync(HttpStatusCode.Created);
        Assert.True(rotated.IsNull("expiresAt"));
    }

    [Fact]
    public async Task PatchKey_LengthenBeyondPolicy_400_ShorteningAllowed()
    {
        using var client = await AdminClientAsync();
        var target = await _app.CreateKeyAsync(expiresAt: DateTime.UtcNow.AddDays(20));
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, MaxLifetimeDays: 30));

        var error = await ExpiryErrorAsync(await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = DateTime.UtcNow.AddDays(60) }));
        Assert.StartsWith("Acme Field Services requires every key to expire within 30 days", error);
        error = await ExpiryErrorAsync(await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = (DateTime?)null }));
        Assert.Contains("requires every key to expire", error);

        await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = DateTime.UtcNow.AddDays(25) }).ExpectAsync(HttpStatusCode.OK);
        await client.PatchAsync($"{Keys}/{target.Id}", new { expiresAt = DateTime.UtcNow.AddDays(10) }).ExpectAsync(HttpStatusCode.OK);
        // Other fields of a key are not judged by its expiry.
        await client.PatchAsync($"{Keys}/{target.Id}", new { name = AppFactory.UniqueName("renamed") }).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RotateKey_ExplicitExpiryBeyondPolicy_400_DefaultFittedIn()
    {
        using var client = await AdminClientAsync();
        var target = await _app.CreateKeyAsync(); // no expiry, from before the policy
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, MaxLifetimeDays: 60));

        var error = await ExpiryErrorAsync(await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { expiresAt = DateTime.UtcNow.AddDays(90) })));
        Assert.StartsWith("Acme Field Services requires every key to expire within 60 days", error);
        error = await ExpiryErrorAsync(await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { expiresAt = (DateTime?)null })));
        Assert.Contains("requires every key to expire", error);

        // Without a chosen expiry the replacement gets the company's default rather than the old key's "never".
        var rotated = await client.PostAsync($"{Keys}/{target.Id}/rotate", null).ExpectAsync(HttpStatusCode.Created);
        var expiresAt = rotated.GetProperty("expiresAt").GetDateTime().ToUniversalTime();
        Assert.InRange(expiresAt, DateTime.UtcNow.AddDays(29), DateTime.UtcNow.AddDays(31));
    }
}
