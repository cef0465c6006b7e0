using System.Net;
using FieldCamp.Web.Data;
using FieldCamp.Web.Usage;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Which scopes a key exercised, per day: the scope the endpoint required (not the <c>*</c> or write scope that granted
/// it), and the scopes its 403s lacked. Counted in memory and written by the usage writer, never on the request path.
/// </summary>
public class ScopeUsageTrackingTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(5);

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>The key's rows as (scope, allowed, refused), once their totals are <paramref name="expected"/>.</summary>
    private async Task<Dictionary<string, (long Allowed, long Refused)>> WaitForScopeUseAsync(
        string keyId, IReadOnlyDictionary<string, (long Allowed, long Refused)> expected)
    {
        Dictionary<string, (long Allowed, long Refused)> rows = [];
        await Http.EventuallyAsync(async () =>
        {
            await using var db = await app.CreateDbContextAsync();
            rows = await db.ScopeUseDays.Where(d => d.ApiKeyId == keyId)
                .GroupBy(d => d.Scope).Select(g => new { g.Key, Allowed = g.Sum(d => d.Allowed), Refused = g.Sum(d => d.Refused) })
                .ToDictionaryAsync(r => r.Key, r => (r.Allowed, r.Refused));
            return expected.All(e => rows.GetValueOrDefault(e.Key) == e.Value);
        }, Visible, $"scope use of {keyId}");
        return rows;
    }

    [Fact]
    public async Task FullAccessKey_CountsTheScopeEachEndpointRequired_NeverTheStar()
    {
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(key.Secret);

        await client.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
        await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbor Dental" })).ExpectAsync(HttpStatusCode.Created);

        var rows = await WaitForScopeUseAsync(key.Id, new Dictionary<string, (long, long)> { ["jobs:read"] = (2, 0), ["clients:write"] = (1, 0) });
        Assert.Equal(["clients:write", "jobs:read"], rows.Keys.Order(StringComparer.Ordinal));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal([Today], await db.ScopeUseDays.Where(d => d.ApiKeyId == key.Id).Select(d => d.Day).Distinct().ToListAsync());
    }

    [Fact]
    public async Task WriteScopedKey_CallingAReadEndpoint_CountsTheReadScope()
    {
        var key = await app.CreateKeyAsync(scopes: ["clients:write"]);
        using var client = app.CreateClient(key.Secret);

        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        var rows = await WaitForScopeUseAsync(key.Id, new Dictionary<string, (long, long)> { ["clients:read"] = (1, 0) });
        Assert.DoesNotContain("clients:write", rows.Keys);
    }

    [Fact]
    public async Task InsufficientScope_CountsRefusedForTheMissingScope_AndNoUse()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = app.CreateClient(key.Secret);

        await client.PostAsync("/api/v1/jobs", Http.Json(new { title = "x" })).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await client.PostAsync("/api/v1/jobs", Http.Json(new { title = "x" })).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await client.GetAsync("/api/v1/api-keys").ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
        await client.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);

        var rows = await WaitForScopeUseAsync(key.Id, new Dictionary<string, (long, long)>
        {
            ["jobs:write"] = (0, 2), ["api-keys:manage"] = (0, 1), ["jobs:read"] = (1, 0),
        });
        Assert.Equal(3, rows.Count);
    }

    [Fact]
    public async Task CountsOfLaterWrites_AddToTheDaysRow()
    {
        var key = await app.CreateKeyAsync(scopes: ["invoices:read"]);
        using var client = app.CreateClient(key.Secret);

        await client.GetAsync("/api/v1/invoices").ExpectAsync(HttpStatusCode.OK);
        await WaitForScopeUseAsync(key.Id, new Dictionary<string, (long, long)> { ["invoices:read"] = (1, 0) });
        await client.GetAsync("/api/v1/invoices").ExpectAsync(HttpStatusCode.OK);

        await WaitForScopeUseAsync(key.Id, new Dictionary<string, (long, long)> { ["invoices:read"] = (2, 0) });
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.ScopeUseDays.CountAsync(d => d.ApiKeyId == key.Id));
    }

    [Fact]
    public async Task RequestPath_WritesNothing_TheWriterWritesTheCounts_AndPrunesDaysPastTheKeptOnes()
    {
        using var quiet = new AppFactory();
        quiet.Settings["ApiKeys:Usage:FlushInterval"] = "01:00:00";   // no timed write during the test
        var key = await quiet.CreateKeyAsync(scopes: ["visits:read"]);
        var today = Today;
        await using (var db = await quiet.CreateDbContextAsync())
        {
            db.ScopeUseDays.AddRange(
                new ScopeUseDay { ApiKeyId = key.Id, Day = today.AddDays(-ScopeUseDay.KeptDays - 1), Scope = "visits:read", Allowed = 5 },
                new ScopeUseDay { ApiKeyId = key.Id, Day = today.AddDays(-ScopeUseDay.KeptDays + 1), Scope = "visits:read", Allowed = 7 });
            await db.SaveChangesAsync();
        }
        using var client = quiet.CreateClient(key.Secret);

        await client.GetAsync("/api/v1/visits").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync("/api/v1/jobs").ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        await using (var db = await quiet.CreateDbContextAsync())
            Assert.False(await db.ScopeUseDays.AnyAsync(d => d.ApiKeyId == key.Id && d.Day == today), "Nothing is written while requests are answered.");

        await quiet.Host.StopAsync();   // the writer writes what is left, and its first write prunes

        await using var stored = quiet.OpenStoreDirectly();
        var rows = await stored.ScopeUseDays.Where(d => d.ApiKeyId == key.Id).OrderBy(d => d.Day).ThenBy(d => d.Scope).ToListAsync();
        Assert.Collection(rows,
            old => Assert.Equal((today.AddDays(-ScopeUseDay.KeptDays + 1), 7L), (old.Day, old.Allowed)),
            refused => Assert.Equal((today, "jobs:read", 0L, 1L), (refused.Day, refused.Scope, refused.Allowed, refused.Refused)),
            used => Assert.Equal((today, "visits:read", 1L, 0L), (used.Day, used.Scope, used.Allowed, used.Refused)));
    }

    [Fact]
    public async Task UsedSince_ForSeveralKeys_EachKeysAllowedScopesSinceTheDay_EveryKeyAnswered()
    {
        var (a, b, unused) = ($"key_{Guid.NewGuid():N}", $"key_{Guid.NewGuid():N}", $"key_{Guid.NewGuid():N}");
        var today = Today;
        await using var db = await app.CreateDbContextAsync();
        db.ScopeUseDays.AddRange(
            new ScopeUseDay { ApiKeyId = a, Day = today, Scope = "jobs:read", Allowed = 3 },
            new ScopeUseDay { ApiKeyId = a, Day = today.AddDays(-89), Scope = "clients:write", Allowed = 1 },
            new ScopeUseDay { ApiKeyId = a, Day = today.AddDays(-90), Scope = "invoices:read", Allowed = 9 },   // before the window
            new ScopeUseDay { ApiKeyId = a, Day = today, Scope = "visits:write", Refused = 4 },                  // refused is no use
            new ScopeUseDay { ApiKeyId = b, Day = today.AddDays(-1), Scope = "items:read", Allowed = 1 },
            new ScopeUseDay { ApiKeyId = b, Day = today, Scope = "items:read", Allowed = 2 });
        await db.SaveChangesAsync();

        var used = await ScopeUsage.UsedSinceAsync(db, [a, b, unused], ScopeUsage.WindowStart(today, ScopeUsage.SuggestionDays));

        Assert.Equal(["clients:write", "jobs:read"], used[a]);
        Assert.Equal(["items:read"], used[b]);
        Assert.Empty(used[unused]);
        Assert.Equal(["items:read"], await ScopeUsage.UsedSinceAsync(db, b, today));
    }
}
