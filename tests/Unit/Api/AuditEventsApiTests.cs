using System.Net;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Tests.Unit.Api;

/// <summary><c>GET /api/v1/audit-events</c>: paging, filters, bad filters and tenancy. Each test has an app of its own.</summary>
public class AuditEventsApiTests
{
    private const string Events = "/api/v1/audit-events";

    /// <summary>Writes events as the other streams' features will (sign-ins, members, policy), in the order given.</summary>
    private static async Task<List<long>> AddEventsAsync(AppFactory app, params AuditEvent[] events)
    {
        await using var db = await app.CreateDbContextAsync();
        db.AuditEvents.AddRange(events);
        await db.SaveChangesAsync();
        return [.. events.Select(e => e.Id)];
    }

    private static AuditEvent Event(AuditEventType type, (string CompanyId, string BranchId) tenant, DateTime at, string? keyId = null,
        bool companyWide = false) =>
        new(type, tenant.CompanyId, companyWide ? null : tenant.BranchId, keyId, keyId is null ? null : "some-key",
            Actor.Person("user-1", "someone@acme.test", "203.0.113.7", "Mozilla/5.0 Test"), at);

    private static async Task<List<JsonElementRow>> ReadAllAsync(HttpClient client, string query)
    {
        var rows = new List<JsonElementRow>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var separator = query.Length == 0 ? "?" : $"?{query}&";
            var page = await client.GetAsync($"{Events}{separator}limit=100{(cursor is null ? "" : $"&cursor={cursor}")}").ExpectAsync(HttpStatusCode.OK);
            rows.AddRange(page.GetProperty("data").EnumerateArray().Select(e => new JsonElementRow(
                e.GetProperty("id").GetString()!, e.GetProperty("type").GetString()!, e.GetProperty("apiKeyId").GetString(),
                e.GetProperty("branchId").GetString(), e.GetProperty("occurredAt").GetDateTime())));
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null && ++pages < 20);
        return rows;
    }

    private sealed record JsonElementRow(string Id, string Type, string? ApiKeyId, string? BranchId, DateTime OccurredAt);

    [Fact]
    public async Task ListAuditEvents_PagedWithCursor_WalksEveryEventOnceNewestFirst()
    {
        using var app = new AppFactory();
        var caller = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"]);
        var tenant = (caller.CompanyId, caller.BranchId);
        var start = DateTime.UtcNow.AddHours(-1);
        var added = await AddEventsAsync(app, [.. Enumerable.Range(0, 6).Select(i => Event(AuditEventType.ApiKeyUpdated, tenant, start.AddMinutes(i), caller.Id))]);
        using var client = app.CreateClient(caller.Secret);

        var ids = new List<string>();
        var sizes = new List<int>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"{Events}?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}").ExpectAsync(HttpStatusCode.OK);
            var data = page.GetProperty("data").EnumerateArray().ToList();
            ids.AddRange(data.Select(e => e.GetProperty("id").GetString()!));
            sizes.Add(data.Count);
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null && sizes.Count < 10);

        // The key's own creation, then the six edits: 7 events.
        Assert.Equal([3, 3, 1], sizes);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.OrderByDescending(long.Parse), ids);
        Assert.Equal(added.Select(id => id.ToString()).Order(), ids.Where(id => added.Contains(long.Parse(id))).Order());
    }

    [Fact]
    public async Task ListAuditEvents_EventCarriesWhoWhenWhereAndTheKey_NeverASecret()
    {
        using var app = new AppFactory();
        var caller = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage", "clients:read"]);
        using var client = app.CreateClient(caller.Secret);
        var created = await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = "booking-widget", scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);
        var secret = created.GetProperty("key").GetString()!;
        var newId = created.GetProperty("id").GetString()!;

        var text = await client.GetStringAsync($"{Events}?keyId={newId}");
        Assert.DoesNotContain(secret, text);
        var page = await client.GetAsync($"{Events}?keyId={newId}").ExpectAsync(HttpStatusCode.OK);
        var e = Assert.Single(page.GetProperty("data").EnumerateArray());
        Assert.Equal("api_key_created", e.GetProperty("type").GetString());
        Assert.Equal("Key created", e.GetProperty("label").GetString());
        Assert.Equal(caller.CompanyId, e.GetProperty("companyId").GetString());
        Assert.Equal(caller.BranchId, e.GetProperty("branchId").GetString());
        Assert.Equal(newId, e.GetProperty("apiKeyId").GetString());
        var actor = e.GetProperty("actor");
        Assert.Equal("api_key", actor.GetProperty("type").GetString());
        Assert.Equal(caller.Id, actor.GetProperty("id").GetString());
        Assert.Equal("127.0.0.1", actor.GetProperty("ip").GetString());
    }

    [Fact]
    public async Task ListAuditEvents_EachFilter_NarrowsToExactlyTheMatchingEvents()
    {
        using var app = new AppFactory();
        var caller = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"]);
        var other = await app.CreateKeyAsync("globex");
        var tenant = (caller.CompanyId, caller.BranchId);
        var day = new DateTime(2026, 11, 10, 0, 0, 0, DateTimeKind.Utc);
        await AddEventsAsync(app,
            Event(AuditEventType.ApiKeyRevoked, tenant, day.AddHours(1), other.Id),
            Event(AuditEventType.ApiKeyUpdated, tenant, day.AddHours(2), other.Id),
            Event(AuditEventType.ApiKeyUpdated, tenant, day.AddDays(1).AddHours(3), caller.Id),
            Event(AuditEventType.ApiKeyRotated, tenant, day.AddDays(2).AddHours(4), caller.Id));
        using var client = app.CreateClient(caller.Secret);

        var revoked = await ReadAllAsync(client, "type=api_key_revoked");
        Assert.Equal(["api_key_revoked"], revoked.Select(r => r.Type));

        var two = await ReadAllAsync(client, "type=api_key_revoked,api_key_rotated");
        Assert.Equal(["api_key_rotated", "api_key_revoked"], two.Select(r => r.Type));
        var repeated = await ReadAllAsync(client, "type=api_key_revoked&type=ApiKeyRotated");
        Assert.Equal(two.Select(r => r.Id), repeated.Select(r => r.Id));

        var otherKey = await ReadAllAsync(client, $"keyId={other.Id}");
        Assert.Equal(["api_key_updated", "api_key_revoked", "api_key_created"], otherKey.Select(r => r.Type));
        Assert.All(otherKey, r => Assert.Equal(other.Id, r.ApiKeyId));

        var window = await ReadAllAsync(client, "since=2026-11-10T02:00:00Z&until=2026-11-12");
        Assert.Equal([day.AddDays(1).AddHours(3), day.AddHours(2)], window.Select(r => r.OccurredAt));

        var withOffset = await ReadAllAsync(client, "since=2026-11-11T04:00:00%2B01:00&until=2026-11-11T04:00:00Z");
        Assert.Equal([day.AddDays(1).AddHours(3)], withOffset.Select(r => r.OccurredAt));
    }

    [Theory]
    [InlineData("type=api_key_exploded", "type")]
    [InlineData("type=", "type")]
    [InlineData("type=1003", "type")]
    [InlineData("since=yesterday", "since")]
    [InlineData("until=2026-13-45", "until")]
    [InlineData("since=12/01/2026", "since")]
    [InlineData("since=2026-12-02&until=2026-12-01", "until")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1000", "limit")]
    [InlineData("cursor=abc", "cursor")]
    [InlineData("cursor=-5", "cursor")]
    public async Task ListAuditEvents_BadFilter_Is400ValidationFailedNamingTheField(string query, string field)
    {
        using var app = new AppFactory();
        var caller = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"]);
        using var client = app.CreateClient(caller.Secret);

        var problem = await client.GetAsync($"{Events}?{query}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task ListAuditEvents_AnotherBranchesAndCompaniesEvents_AreNeverListed()
    {
        using var app = new AppFactory();
        var north = await app.CreateKeyAsync("acme", "North", scopes: ["api-keys:manage"]);
        var south = await app.CreateKeyAsync("acme", "South", scopes: ["api-keys:manage"]);
        var globex = await app.CreateKeyAsync("globex", scopes: ["api-keys:manage"]);
        var now = DateTime.UtcNow;
        await AddEventsAsync(app,
            Event(AuditEventType.ApiKeyUpdated, (south.CompanyId, south.BranchId), now, south.Id),
            Event(AuditEventType.MemberRoleChanged, (north.CompanyId, north.BranchId), now, companyWide: true),
            Event(AuditEventType.ApiKeyUpdated, (globex.CompanyId, globex.BranchId), now, globex.Id));
        using var client = app.CreateClient(north.Secret);

        var rows = await ReadAllAsync(client, "");
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(north.BranchId, r.BranchId));
        // Asking for another tenant's key by id finds nothing rather than its trail.
        Assert.Empty(await ReadAllAsync(client, $"keyId={south.Id}"));
        Assert.Empty(await ReadAllAsync(client, $"keyId={globex.Id}"));
        Assert.Empty(await ReadAllAsync(client, "type=member_role_changed"));
    }

    [Fact]
    public async Task ListAuditEvents_WithoutApiKeysManage_Is403NamingTheScope()
    {
        using var app = new AppFactory();
        var reader = await app.CreateKeyAsync("globex", scopes: ["clients:write", "jobs:read"]);
        using var client = app.CreateClient(reader.Secret);

        var problem = await client.GetAsync(Events).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["api-keys:manage"], problem.GetProperty("missingScopes").Strings());
    }

    [Fact]
    public async Task ListAuditEvents_WithoutCredentials_Is401()
    {
        using var app = new AppFactory();
        using var client = app.CreateClient();

        await client.GetAsync(Events).ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }
}
