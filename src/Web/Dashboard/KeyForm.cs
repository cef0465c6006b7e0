using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.KeyPolicies;

namespace FieldCamp.Web.Dashboard;

public enum ExpiryChoice { Unchanged = -2, OnDate = -1, Never = 0, Days30 = 30, Days60 = 60, Days90 = 90, Days180 = 180 }

/// <summary>
/// What the create and edit dialogs collect. Validation is the domain's own (<see cref="ApiKey.Validate"/> and the
/// company's <see cref="KeyPolicy.Check"/>), so the dialog shows inline exactly what the API would answer.
/// </summary>
public sealed class KeyForm
{
    public string Name { get; set; } = "";
    public string? OwnerId { get; set; }
    public HashSet<string> Scopes { get; set; } = [];
    public ExpiryChoice Expiry { get; set; } = ExpiryChoice.Days90;
    public DateTime? ExpiryDate { get; set; }
    public bool CustomLimit { get; set; }
    public int? RequestsPerMinute { get; set; }

    /// <summary>The key's expiry before editing, kept when the choice is <see cref="ExpiryChoice.Unchanged"/>.</summary>
    public DateTime? CurrentExpiry { get; init; }

    /// <summary>The company's key policy, shown up front and checked like the server does; null judges no policy.</summary>
    public CompanyKeyPolicy? Policy { get; init; }

    /// <summary>When the key being edited was created: the policy's maximum lifetime counts from then. Null for a new key.</summary>
    public DateTime? CreatedAt { get; init; }

    private static readonly ExpiryChoice[] DayChoices = [ExpiryChoice.Days30, ExpiryChoice.Days60, ExpiryChoice.Days90, ExpiryChoice.Days180];

    /// <summary>A new key's form, its expiry preset to the company's default.</summary>
    public static KeyForm New(string? ownerId, CompanyKeyPolicy? policy, DateTime nowUtc)
    {
        var form = new KeyForm { OwnerId = ownerId, Policy = policy };
        if (policy is null) return form;
        var days = policy.Policy.DefaultExpiryDays;
        if (days is null) form.Expiry = policy.Policy.RequiresExpiry ? ExpiryChoice.Days30 : ExpiryChoice.Never;
        else if (DayChoices.Contains((ExpiryChoice)days.Value)) form.Expiry = (ExpiryChoice)days.Value;
        else (form.Expiry, form.ExpiryDate) = (ExpiryChoice.OnDate, nowUtc.AddDays(days.Value).Date);
        return form;
    }

    /// <summary>The preset lifetimes the policy allows: none longer than its maximum.</summary>
    public IEnumerable<ExpiryChoice> AllowedDayChoices(DateTime nowUtc) =>
        DayChoices.Where(choice => LatestExpiry(nowUtc) is not { } latest || nowUtc.AddDays((int)choice) <= latest);

    /// <summary>"Never" is offered only when the policy does not require an expiry.</summary>
    public bool NeverAllowed => Policy?.Policy.RequiresExpiry != true;

    /// <summary>The last instant the policy allows this key to expire; null when there is no maximum.</summary>
    public DateTime? LatestExpiry(DateTime nowUtc) => Policy?.Policy.LatestExpiry(CreatedAt ?? nowUtc);

    /// <summary>What the policy asks of expiries, in one sentence; null when it asks nothing.</summary>
    public string? PolicySummary => Policy is { Policy: var p, CompanyName: var company } && p.RequiresExpiry
        ? $"{company}'s key policy: every key must expire{(p.MaxLifetimeDays is { } max ? $", within {max} days of its creation" : "")}."
        : null;

    public static KeyForm For(ApiKey key, CompanyKeyPolicy? policy = null) => new()
    {
        Policy = policy,
        CreatedAt = key.CreatedAt,
        Name = key.Name,
        OwnerId = key.OwnerId,
        Scopes = [.. key.Scopes],
        Expiry = ExpiryChoice.Unchanged,
        CurrentExpiry = key.ExpiresAt,
        ExpiryDate = key.ExpiresAt,
        CustomLimit = key.RateLimitPerMinute is not null,
        RequestsPerMinute = key.RateLimitPerMinute,
    };

    /// <summary>A chosen date means usable through that whole day (UTC).</summary>
    public DateTime? ExpiresAt(DateTime nowUtc) => Expiry switch
    {
        ExpiryChoice.Unchanged => CurrentExpiry,
        ExpiryChoice.Never => null,
        ExpiryChoice.OnDate => ExpiryDate is { } date ? DateTime.SpecifyKind(date.Date.AddDays(1).AddSeconds(-1), DateTimeKind.Utc) : null,
        _ => nowUtc.AddDays((int)Expiry),
    };

    public NewApiKey ToNewKey(DateTime nowUtc) =>
        new(Name, Scopes, ExpiresAt(nowUtc), CustomLimit ? RequestsPerMinute ?? 0 : null, OwnerId);

    public ApiKeyUpdate ToUpdate(DateTime nowUtc) => new(
        Name, Scopes,
        Expiry == ExpiryChoice.Unchanged ? null : new Set<DateTime?>(ExpiresAt(nowUtc)),
        new Set<int?>(CustomLimit ? RequestsPerMinute ?? 0 : null),
        new Set<string?>(OwnerId));

    public IReadOnlyDictionary<string, string[]> Validate(DateTime nowUtc)
    {
        var errors = ApiKey.Validate(ToNewKey(nowUtc), nowUtc).ToDictionary();
        if (Expiry == ExpiryChoice.OnDate && ExpiryDate is null) errors["expiresAt"] = ["Pick the date the key stops working."];
        if (Expiry == ExpiryChoice.Unchanged) errors.Remove("expiresAt"); // an existing expiry is not re-judged unless changed
        // As the server does: the policy judges a new expiry, unless it only brings the current one closer.
        else if (Policy is not null && !errors.ContainsKey("expiresAt") && !(ExpiresAt(nowUtc) <= CurrentExpiry))
            foreach (var (field, messages) in Policy.Policy.Check(ExpiresAt(nowUtc), CreatedAt ?? nowUtc, Policy.CompanyName)) errors[field] = messages;
        return errors;
    }
}
