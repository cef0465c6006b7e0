using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeyUpdateTests
{
    private static readonly DateTime Later = Now.AddDays(3);

    private static ApiKey NewKey() =>
        CreateQuiet(Now, Spec(name: "booking-widget-prod", scopes: ["clients:write", "jobs:write"],
            expiresAt: Now.AddDays(90), rateLimit: 100, ownerId: "user_bob"));

    [Fact]
    public void Update_NameChanged_RecordsOnlyNameWithFromAndTo()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(Name: "  booking-widget-staging "), Bob, Later);

        Assert.Equal("booking-widget-staging", key.Name);
        var audit = Assert.Single(key.TakeAuditEvents());
        Assert.Equal(AuditEventType.ApiKeyUpdated, audit.Type);
        Assert.Equal(Bob, audit.Actor);
        Assert.Equal(Later, audit.OccurredAt);
        Assert.Equal(key.Id, audit.ApiKeyId);
        var change = Assert.Single(audit.Changes);
        Assert.Equal(new AuditChange("name", "booking-widget-prod", "booking-widget-staging"), change);
    }

    [Fact]
    public void Update_ScopesChanged_RecordsOldAndNewScopes()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(Scopes: ["invoices:read", "clients:read"]), Alice, Later);

        Assert.Equal(["clients:read", "invoices:read"], key.Scopes);
        var change = Assert.Single(Assert.Single(key.TakeAuditEvents()).Changes);
        Assert.Equal("scopes", change.Field);
        Assert.Contains("clients:write", change.From, StringComparison.Ordinal);
        Assert.Contains("jobs:write", change.From, StringComparison.Ordinal);
        Assert.Contains("clients:read", change.To, StringComparison.Ordinal);
        Assert.Contains("invoices:read", change.To, StringComparison.Ordinal);
        Assert.DoesNotContain("write", change.To, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_EveryFieldChanged_RecordsOneChangePerField()
    {
        var key = NewKey();
        var newExpiry = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);

        key.Update(new ApiKeyUpdate("renamed", ["jobs:read"], new Set<DateTime?>(newExpiry), new Set<int?>(250), new Set<string?>("user_carol")), Alice, Later);

        Assert.Equal("renamed", key.Name);
        Assert.Equal(["jobs:read"], key.Scopes);
        Assert.Equal(newExpiry, key.ExpiresAt);
        Assert.Equal(250, key.RateLimitPerMinute);
        Assert.Equal("user_carol", key.OwnerId);

        var changes = Assert.Single(key.TakeAuditEvents()).Changes;
        Assert.Equal(5, changes.Count);
        Assert.Equal(5, changes.Select(c => c.Field).Distinct().Count());
        Assert.All(changes, c => Assert.NotEqual(c.From, c.To));
        var owner = Assert.Single(changes, c => c.To == "user_carol");
        Assert.Equal("user_bob", owner.From);
        var limit = Assert.Single(changes, c => c.To?.Contains("250", StringComparison.Ordinal) == true);
        Assert.Contains("100", limit.From, StringComparison.Ordinal);
        var expiry = Assert.Single(changes, c => c.To?.Contains("2026-09-01", StringComparison.Ordinal) == true);
        Assert.Contains(Now.AddDays(90).ToString("yyyy-MM-dd"), expiry.From, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_SameValues_RecordsNoEvent()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(
            "  booking-widget-prod  ",
            ["jobs:write", "clients:write", "jobs:write"],
            new Set<DateTime?>(key.ExpiresAt),
            new Set<int?>(key.RateLimitPerMinute),
            new Set<string?>(key.OwnerId)), Alice, Later);

        Assert.Empty(key.TakeAuditEvents());
    }

    [Fact]
    public void Update_NothingGiven_RecordsNoEventAndChangesNothing()
    {
        var key = NewKey();
        var before = (key.Name, key.Scopes, key.ExpiresAt, key.RateLimitPerMinute, key.OwnerId);

        key.Update(new ApiKeyUpdate(), Alice, Later);

        Assert.Empty(key.TakeAuditEvents());
        Assert.Equal(before, (key.Name, key.Scopes, key.ExpiresAt, key.RateLimitPerMinute, key.OwnerId));
    }

    [Fact]
    public void Update_OnlyOneFieldChanged_RecordsOnlyThatField()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(Name: "booking-widget-prod", RateLimitPerMinute: new Set<int?>(300)), Alice, Later);

        var change = Assert.Single(Assert.Single(key.TakeAuditEvents()).Changes);
        Assert.Contains("100", change.From, StringComparison.Ordinal);
        Assert.Contains("300", change.To, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_NullExpirySet_ClearsExpiry()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(ExpiresAt: new Set<DateTime?>(null)), Alice, Later);

        Assert.Null(key.ExpiresAt);
        var change = Assert.Single(Assert.Single(key.TakeAuditEvents()).Changes);
        Assert.NotNull(change.From);
        Assert.Null(change.To);
    }

    [Fact]
    public void Update_NullRateLimitSet_ClearsLimit()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(RateLimitPerMinute: new Set<int?>(null)), Alice, Later);

        Assert.Null(key.RateLimitPerMinute);
        var change = Assert.Single(Assert.Single(key.TakeAuditEvents()).Changes);
        Assert.NotNull(change.From);
        Assert.Null(change.To);
    }

    [Fact]
    public void Update_NullOwnerSet_ClearsOwner()
    {
        var key = NewKey();

        key.Update(new ApiKeyUpdate(OwnerId: new Set<string?>(null)), Alice, Later);

        Assert.Null(key.OwnerId);
        var change = Assert.Single(Assert.Single(key.TakeAuditEvents()).Changes);
        Assert.Equal(new AuditChange("owner", "user_bob", null), change);
    }

    [Fact]
    public void Update_NullSetOnAlreadyEmptyField_RecordsNoEvent()
    {
        var key = CreateQuiet(Now, Spec(expiresAt: null, rateLimit: null));

        key.Update(new ApiKeyUpdate(ExpiresAt: new Set<DateTime?>(null), RateLimitPerMinute: new Set<int?>(null)), Alice, Later);

        Assert.Empty(key.TakeAuditEvents());
    }

    [Fact]
    public void Update_InvalidValues_ReportsEveryFieldAndChangesNothing()
    {
        var key = NewKey();
        var before = (key.Name, key.Scopes, key.ExpiresAt, key.RateLimitPerMinute, key.OwnerId);

        var ex = Assert.Throws<DomainValidationException>(() => key.Update(
            new ApiKeyUpdate(" ", ["webhooks:manage"], new Set<DateTime?>(Later), new Set<int?>(0)), Alice, Later));

        Assert.Equal(
            ["expiresAt", "name", "rateLimit.requestsPerMinute", "scopes"],
            ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(ex.Errors["scopes"], m => m.Contains("integrations:write", StringComparison.Ordinal));
        Assert.Equal(before, (key.Name, key.Scopes, key.ExpiresAt, key.RateLimitPerMinute, key.OwnerId));
        Assert.Empty(key.TakeAuditEvents());
    }

    [Fact]
    public void Update_NameOf101Characters_ReportsNameError()
    {
        var key = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => key.Update(new ApiKeyUpdate(Name: new string('n', 101)), Alice, Later));

        Assert.Equal(["name"], ex.Errors.Keys);
    }

    [Fact]
    public void Update_EmptyScopes_ReportsScopesError()
    {
        var key = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => key.Update(new ApiKeyUpdate(Scopes: []), Alice, Later));

        Assert.Equal(["scopes"], ex.Errors.Keys);
        Assert.Equal(["clients:write", "jobs:write"], key.Scopes);
    }

    [Fact]
    public void Update_ExpiryInThePast_ReportsExpiresAtError()
    {
        var key = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => key.Update(new ApiKeyUpdate(ExpiresAt: new Set<DateTime?>(Later.AddSeconds(-1))), Alice, Later));

        Assert.Equal(["expiresAt"], ex.Errors.Keys);
    }

    [Fact]
    public void Update_RateLimitAboveMaximum_ReportsRateLimitError()
    {
        var key = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => key.Update(new ApiKeyUpdate(RateLimitPerMinute: new Set<int?>(1_000_001)), Alice, Later));

        Assert.Equal(["rateLimit.requestsPerMinute"], ex.Errors.Keys);
    }

    [Fact]
    public void Update_RevokedKey_ThrowsDomainException()
    {
        var key = NewKey();
        key.Revoke(Alice, Now.AddDays(1));
        key.TakeAuditEvents();

        Assert.Throws<DomainException>(() => key.Update(new ApiKeyUpdate(Name: "renamed"), Alice, Later));
        Assert.Equal("booking-widget-prod", key.Name);
        Assert.Empty(key.TakeAuditEvents());
    }
}
