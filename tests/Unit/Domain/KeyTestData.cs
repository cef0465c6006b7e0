using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Tests.Unit.Domain;

internal static class KeyTestData
{
    public const string CompanyId = "co_test";
    public const string BranchId = "br_test";

    public static readonly DateTime Now = new(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);

    public static readonly Actor Alice = Actor.Person("user_alice", "alice@example.com", "203.0.113.7");
    public static readonly Actor Bob = Actor.Person("user_bob", "bob@example.com", "198.51.100.4");

    public static readonly string[] WidgetScopes = ["clients:write", "jobs:write"];

    public static NewApiKey Spec(
        string name = "booking-widget-prod",
        IEnumerable<string>? scopes = null,
        DateTime? expiresAt = null,
        int? rateLimit = null,
        string? ownerId = "user_bob") =>
        new(name, scopes ?? WidgetScopes, expiresAt, rateLimit, ownerId);

    public static (ApiKey Key, string Secret) Create(DateTime nowUtc, NewApiKey? spec = null, Actor? actor = null) =>
        ApiKey.Create(CompanyId, BranchId, spec ?? Spec(), actor ?? Alice, nowUtc);

    /// <summary>Creates a key and drops its creation event, so a test sees only what it does next.</summary>
    public static ApiKey CreateQuiet(DateTime nowUtc, NewApiKey? spec = null)
    {
        var (key, _) = Create(nowUtc, spec);
        key.TakeAuditEvents();
        return key;
    }

    /// <summary>
    /// The domain has no verb for recording a use yet, so set the column the way the store would load it.
    /// </summary>
    public static void SetLastUsedAt(ApiKey key, DateTime usedAt) =>
        typeof(ApiKey).GetProperty(nameof(ApiKey.LastUsedAt))!.SetValue(key, usedAt);
}
