using System.Net;
using FieldCamp.Domain.Audit;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// OWASP API1: a key acts in its own branch only. Another branch's or company's ids answer 404 (never 403, never
/// the data), and nothing about the target changes. The attacker holds <c>*</c>, so only tenancy stands in the way.
/// </summary>
public class TenantIsolationTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";

    public static TheoryData<string, string?> OtherTenants => new()
    {
        { "acme", "South" },
        { "globex", null },
    };

    [Theory]
    [MemberData(nameof(OtherTenants))]
    public async Task KeyEndpoints_OtherTenantsKey_404AndTargetUntouched(string company, string? branch)
    {
        var attacker = await app.CreateKeyAsync("acme", "North", ["*"]);
        var target = await app.CreateKeyAsync(company, branch, ["clients:read"], expiresAt: DateTime.UtcNow.AddDays(40));
        using var client = app.CreateClient(attacker.Secret);
        var path = $"{Keys}/{target.Id}";

        var responses = new[]
        {
            await client.GetAsync(path),
            await client.PatchAsync(path, new { name = "hijacked", scopes = new[] { "*" }, expiresAt = (DateTime?)null }),
            await client.DeleteAsync(path),
            await client.PostAsync($"{path}/rotate", Http.Json(new { oldKeyExpiresInHours = 0 })),
            await client.PostAsync($"{path}/rotate", null),
            await client.GetAsync($"{path}/activity?hours=48"),
        };

        foreach (var response in responses)
        {
            var problem = await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
            Assert.DoesNotContain(target.Name, problem.GetRawText());
        }
        using var targetClient = app.CreateClient(target.Secret);
        var info = await targetClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(target.Name, info.GetProperty("credential").GetProperty("name").GetString());
        Assert.Equal(["clients:read"], info.GetProperty("credential").GetProperty("scopes").Strings());
        await using var db = await app.CreateDbContextAsync();
        var stored = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == target.Id);
        Assert.Equal(target.Name, stored.Name);
        Assert.Null(stored.RevokedAt);
        Assert.Null(stored.ReplacedByKeyId);
        Assert.NotNull(stored.ExpiresAt);
        Assert.Equal([AuditEventType.ApiKeyCreated],
            await db.AuditEvents.Where(e => e.ApiKeyId == target.Id).Select(e => e.Type).ToListAsync());
        Assert.False(await db.ApiKeys.AnyAsync(k => k.ReplacesKeyId == target.Id));
    }

    [Fact]
    public async Task ListKeys_ShowsOnlyTheCallersBranch()
    {
        var north = await app.CreateKeyAsync("acme", "North", ["api-keys:manage"]);
        var south = await app.CreateKeyAsync("acme", "South");
        var globex = await app.CreateKeyAsync("globex");
        using var client = app.CreateClient(north.Secret);

        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"{Keys}?limit=100{(cursor is null ? "" : $"&cursor={cursor}")}").ExpectAsync(HttpStatusCode.OK);
            ids.AddRange(page.GetProperty("data").EnumerateArray().Select(k => k.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);

        Assert.Contains(north.Id, ids);
        Assert.DoesNotContain(south.Id, ids);
        Assert.DoesNotContain(globex.Id, ids);
        await using var db = await app.CreateDbContextAsync();
        Assert.Empty(await db.ApiKeys.Where(k => ids.Contains(k.Id) && k.BranchId != north.BranchId).ToListAsync());
    }

    [Fact]
    public async Task Resources_OtherBranchsIds_404()
    {
        var north = await app.CreateKeyAsync("acme", "North", ["*"]);
        var (_, southId) = await app.TenantAsync("acme", "South");
        await using var db = await app.CreateDbContextAsync();
        var southClient = await db.Clients.AsNoTracking().FirstAsync(c => c.BranchId == southId);
        var southJob = await db.Jobs.AsNoTracking().FirstAsync(j => j.BranchId == southId);
        var southVisit = await db.Visits.AsNoTracking().FirstAsync(v => v.BranchId == southId);
        var southInvoice = await db.Invoices.AsNoTracking().FirstAsync(i => i.BranchId == southId);
        var southItem = await db.Items.AsNoTracking().FirstAsync(i => i.BranchId == southId);
        using var client = app.CreateClient(north.Secret);

        foreach (var path in new[]
        {
            $"/api/v1/clients/{southClient.Id}", $"/api/v1/jobs/{southJob.Id}", $"/api/v1/jobs/{southJob.Id}/visits",
            $"/api/v1/visits/{southVisit.Id}", $"/api/v1/invoices/{southInvoice.Id}", $"/api/v1/items/{southItem.Id}",
        })
        {
            var problem = await client.GetAsync(path).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
            Assert.DoesNotContain(southClient.Name, problem.GetRawText());
        }

        var list = await client.GetAsync("/api/v1/clients?limit=100").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("data").EnumerateArray(), c => c.GetProperty("id").GetString() == southClient.Id);

        // A job cannot be attached to another branch's client either.
        var errors = await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId = southClient.Id, title = "Cross-branch job" }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(errors.GetProperty("errors").TryGetProperty("clientId", out _));
    }

    [Fact]
    public async Task Resources_SameBranchsIds_200()
    {
        var south = await app.CreateKeyAsync("acme", "South", ["clients:read"]);
        await using var db = await app.CreateDbContextAsync();
        var southClient = await db.Clients.AsNoTracking().FirstAsync(c => c.BranchId == south.BranchId);
        using var client = app.CreateClient(south.Secret);

        var found = await client.GetAsync($"/api/v1/clients/{southClient.Id}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(southClient.Name, found.GetProperty("name").GetString());
    }
}
