using FieldCamp.Domain.Audit;

namespace FieldCamp.Domain.ApiKeys;

/// <summary>What an owner sets for the company's keys (see <see cref="KeyPolicy"/>). Null means "no rule".</summary>
public sealed record KeyPolicySettings(
    int? DefaultRequestsPerMinute = null,
    int? DefaultExpiryDays = KeyPolicy.StandardExpiryDays,
    bool RequireExpiry = false,
    int? MaxLifetimeDays = null,
    int? RevokeUnusedAfterDays = null);

/// <summary>
/// A company's rules for its API keys, set by its owners: the shared rate limit (null = the configured default), the
/// expiry a new key is offered, whether every key must expire and within how many days of its creation, and after how
/// many unused days the system revokes a key. Create, edit and rotate all pass through <see cref="Check"/>, so the
/// dashboard, the API and the command line refuse the same things with the same words.
/// </summary>
public sealed class KeyPolicy
{
    /// <summary>The expiry offered when the company has not chosen one (DESIGN §9).</summary>
    public const int StandardExpiryDays = 90;
    public const int MaxDays = 3650;
    /// <summary>Shorter would leave too little time between the week's notice and the revocation it announces.</summary>
    public const int MinUnusedDays = 14;
    /// <summary>Owners hear of an unused key's revocation this long before it happens.</summary>
    public static readonly TimeSpan RevocationNoticePeriod = TimeSpan.FromDays(7);

    private KeyPolicy() { }

    /// <summary>The policy of a company whose owners have set nothing: standard expiry offered, nothing enforced.</summary>
    public static KeyPolicy Default(string companyId) => new() { CompanyId = companyId, DefaultExpiryDays = StandardExpiryDays };

    public string CompanyId { get; private set; } = "";
    /// <summary>The limit every key without its own shares; null means the configured default.</summary>
    public int? DefaultRequestsPerMinute { get; private set; }
    /// <summary>The expiry offered by the create dialog and given by the command line; null offers none.</summary>
    public int? DefaultExpiryDays { get; private set; }
    public bool RequireExpiry { get; private set; }
    public int? MaxLifetimeDays { get; private set; }
    public int? RevokeUnusedAfterDays { get; private set; }

    /// <summary>A maximum lifetime implies an expiry: a key without one would outlive any maximum.</summary>
    public bool RequiresExpiry => RequireExpiry || MaxLifetimeDays is not null;

    public KeyPolicySettings Settings =>
        new(DefaultRequestsPerMinute, DefaultExpiryDays, RequireExpiry, MaxLifetimeDays, RevokeUnusedAfterDays);

    /// <summary>The problems with would-be settings, by field (API spelling); empty when they can be saved.</summary>
    public static IReadOnlyDictionary<string, string[]> Validate(KeyPolicySettings settings)
    {
        var errors = new Dictionary<string, string[]>();
        if (settings.DefaultRequestsPerMinute is < 1 or > ApiKey.MaxRequestsPerMinute)
            errors["defaultRequestsPerMinute"] = [$"Choose between 1 and {ApiKey.MaxRequestsPerMinute:N0} requests per minute."];
        if (settings.MaxLifetimeDays is < 1 or > MaxDays)
            errors["maxLifetimeDays"] = [$"Choose between 1 and {MaxDays:N0} days."];
        if (settings.DefaultExpiryDays is < 1 or > MaxDays)
            errors["defaultExpiryDays"] = [$"Choose between 1 and {MaxDays:N0} days."];
        else if (settings.DefaultExpiryDays > settings.MaxLifetimeDays)
            errors["defaultExpiryDays"] = [$"The default expiry cannot be longer than the maximum lifetime of {settings.MaxLifetimeDays} days."];
        else if (settings.DefaultExpiryDays is null && (settings.RequireExpiry || settings.MaxLifetimeDays is not null))
            errors["defaultExpiryDays"] = ["Every key must expire, so choose the expiry new keys are offered."];
        if (settings.RevokeUnusedAfterDays is < MinUnusedDays or > MaxDays)
            errors["revokeUnusedAfterDays"] = [$"Choose between {MinUnusedDays} and {MaxDays:N0} days, so that owners hear of it a week before."];
        return errors;
    }

    /// <summary>
    /// Applies new settings and returns the audit event recording each change, before → after (company-wide), or null
    /// when nothing changed. Invalid settings are a <see cref="DomainValidationException"/>.
    /// </summary>
    public AuditEvent? Change(KeyPolicySettings settings, Actor actor, DateTime nowUtc)
    {
        var errors = Validate(settings);
        if (errors.Count > 0) throw new DomainValidationException(errors);
        var before = Settings;
        var changes = new List<AuditChange>();
        void Compare<T>(string field, T from, T to, Func<T, string?> show)
        {
            if (!EqualityComparer<T>.Default.Equals(from, to)) changes.Add(new(field, show(from), show(to)));
        }
        Compare("defaultRateLimit", before.DefaultRequestsPerMinute, settings.DefaultRequestsPerMinute, v => v is null ? "configured default" : $"{v}/min");
        Compare("defaultExpiry", before.DefaultExpiryDays, settings.DefaultExpiryDays, v => v is null ? "none" : $"{v} days");
        Compare("requireExpiry", before.RequireExpiry, settings.RequireExpiry, v => v ? "yes" : "no");
        Compare("maxLifetime", before.MaxLifetimeDays, settings.MaxLifetimeDays, v => v is null ? "none" : $"{v} days");
        Compare("revokeUnusedAfter", before.RevokeUnusedAfterDays, settings.RevokeUnusedAfterDays, v => v is null ? "off" : $"{v} days");
        if (changes.Count == 0) return null;

        (DefaultRequestsPerMinute, DefaultExpiryDays, RequireExpiry, MaxLifetimeDays, RevokeUnusedAfterDays) =
            (settings.DefaultRequestsPerMinute, settings.DefaultExpiryDays, settings.RequireExpiry, settings.MaxLifetimeDays, settings.RevokeUnusedAfterDays);
        return new AuditEvent(AuditEventType.KeyPolicyChanged, CompanyId, null, null, "Key policy", actor, nowUtc, changes);
    }

    /// <summary>
    /// The last instant a key created at <paramref name="createdAtUtc"/> may expire, or null with no maximum. The whole
    /// last day (UTC) counts, so a date picked in a calendar ("the last day it works") fits exactly.
    /// </summary>
    public DateTime? LatestExpiry(DateTime createdAtUtc) =>
        MaxLifetimeDays is { } days ? createdAtUtc.AddDays(days).Date.AddDays(1).AddTicks(-1) : null;

    /// <summary>The expiry a key made now is given unless someone chooses another; null for none.</summary>
    public DateTime? DefaultExpiry(DateTime nowUtc) => DefaultExpiryDays is { } days ? nowUtc.AddDays(days) : null;

    /// <summary>
    /// The problems, by field, with giving a key created at <paramref name="createdAtUtc"/> this expiry (null: none). The
    /// message names the company and its policy, since it is theirs and not the product's.
    /// </summary>
    public IReadOnlyDictionary<string, string[]> Check(DateTime? expiresAtUtc, DateTime createdAtUtc, string companyName)
    {
        var within = MaxLifetimeDays is { } max ? $" within {max} days of its creation" : "";
        if (expiresAtUtc is null && RequiresExpiry)
            return Error($"{companyName} requires every key to expire{within} (key policy): choose an expiry.");
        if (expiresAtUtc > LatestExpiry(createdAtUtc) && LatestExpiry(createdAtUtc) is { } latest)
            return Error($"{companyName} requires every key to expire{within}, so by {latest:yyyy-MM-dd} (key policy).");
        return new Dictionary<string, string[]>();

        static Dictionary<string, string[]> Error(string message) => new() { ["expiresAt"] = [message] };
    }

    /// <summary>Throws a <see cref="DomainValidationException"/> for what <see cref="Check"/> refuses.</summary>
    public void Enforce(DateTime? expiresAtUtc, DateTime createdAtUtc, string companyName)
    {
        var errors = Check(expiresAtUtc, createdAtUtc, companyName);
        if (errors.Count > 0) throw new DomainValidationException(errors);
    }

    /// <summary>
    /// A rotation's replacement takes the old key's lifetime unless told otherwise; under this policy that default is
    /// fitted in: given an expiry when one is required, and cut to the maximum lifetime.
    /// </summary>
    public DateTime? Fit(DateTime? expiresAtUtc, DateTime nowUtc) => expiresAtUtc switch
    {
        null => RequiresExpiry ? Min(DefaultExpiry(nowUtc) ?? nowUtc.AddDays(StandardExpiryDays), LatestExpiry(nowUtc)) : null,
        { } expiry => Min(expiry, LatestExpiry(nowUtc)),
    };

    private static DateTime Min(DateTime value, DateTime? cap) => cap is { } c && c < value ? c : value;

    /// <summary>When an idle key falls due for revocation (N days after its last use, or its creation if never used); null when off.</summary>
    public DateTime? UnusedRevocationDue(ApiKey key) =>
        RevokeUnusedAfterDays is { } days ? (key.LastUsedAt ?? key.CreatedAt).AddDays(days) : null;

    /// <summary>
    /// Whether the system revokes this key now: live, not in a rotation (its rotation plans its end), unused for the
    /// policy's days, and announced to the owners at least a week ago (<paramref name="announcedAtUtc"/>, the notice
    /// for this idle spell), so switching the policy on never revokes a key without a week's warning.
    /// </summary>
    public bool IsUnusedRevocationDue(ApiKey key, DateTime? announcedAtUtc, DateTime nowUtc) =>
        key.IsUsableAt(nowUtc) && key.ReplacedByKeyId is null
        && UnusedRevocationDue(key) <= nowUtc
        && announcedAtUtc is { } announced && nowUtc - announced >= RevocationNoticePeriod;
}
