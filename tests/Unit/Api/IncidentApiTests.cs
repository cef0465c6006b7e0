using System.Net;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Incidents through the API and the store: reporting revokes at once (the next request is a 401), the record is read
/// back in the branch that owns it, and another branch's or company's incident is a 404.
/// </summary>
public class IncidentApiTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<Incident> ReportAsync(TestKey key)
    {
        var manager = app.Services.GetRequiredService<IncidentManager>();
        return (await manager.ReportAsync(new KeyScope(key.CompanyId, key.BranchId), key.Id, Actor.Operator("tests")))!;
    }

    [Fact]
    public async Task Report_CachedLiveKey_NextRequest401KeyRevoked()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var integration = app.CreateClient(key.Secret);
        await integration.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);

        var incident = await ReportAsync(key);

        await integration.GetAsync("/api/v1/jobs").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        Assert.Equal(IncidentStep.ReviewActivity, incident.Step);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Notices.CountAsync(n => n.DedupKey == $"leak:{incident.Id}"));
    }

    [Fact]
    public async Task Report_Twice_ResumesTheOpenIncident()
    {
        var key = await app.CreateKeyAsync();
        var first = await ReportAsync(key);
        var second = await ReportAsync(key);
        Assert.Equal(first.Id, second.Id);
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.Incidents.CountAsync(i => i.ApiKeyId == key.Id));
    }

    [Fact]
    public async Task GetIncident_OwnBranch_ReadsItBack()
    {
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage", "clients:read"]);
        var leaked = await app.CreateKeyAsync();
        var incident = await ReportAsync(leaked);
        using var client = app.CreateClient(admin.Secret);

        var read = await client.GetAsync($"/api/v1/incidents/{incident.Id}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(leaked.Id, read.GetProperty("apiKeyId").GetString());
        Assert.Equal("manual", read.GetProperty("source").GetString());
        Assert.Equal("review_activity", read.GetProperty("status").GetString());
        var list = await client.GetAsync($"/api/v1/incidents?keyId={leaked.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(incident.Id, list.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.DoesNotContain(leaked.Secret, read.GetRawText());
    }

    [Theory]
    [InlineData("acme", "South")]
    [InlineData("globex", null)]
    public async Task GetIncident_OtherTenant_404AndNotListed(string company, string? branch)
    {
        var attacker = await app.CreateKeyAsync("acme", "North", ["*"]);
        var target = await app.CreateKeyAsync(company, branch);
        var incident = await ReportAsync(target);
        using var client = app.CreateClient(attacker.Secret);

        await client.GetAsync($"/api/v1/incidents/{incident.Id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var list = await client.GetAsync($"/api/v1/incidents?keyId={target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Report_OtherTenantsKey_NotFoundAndUntouched()
    {
        var target = await app.CreateKeyAsync("globex");
        var (acme, north) = await app.TenantAsync("acme", "North");
        var manager = app.Services.GetRequiredService<IncidentManager>();

        Assert.Null(await manager.ReportAsync(new KeyScope(acme, north), target.Id, Actor.Operator("tests")));

        using var integration = app.CreateClient(target.Secret);
        await integration.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ListIncidents_WithoutManageScope_403()
    {
        var reader = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = app.CreateClient(reader.Secret);
        await client.GetAsync("/api/v1/incidents").ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
    }
}
