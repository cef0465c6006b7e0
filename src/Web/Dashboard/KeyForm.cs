using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Web.Dashboard;

public enum ExpiryChoice { Unchanged = -2, OnDate = -1, Never = 0, Days30 = 30, Days60 = 60, Days90 = 90, Days180 = 180 }

/// <summary>
/// What the create and edit dialogs collect. Validation is the domain's own (<see cref="ApiKey.Validate"/>),
/// so the dialog shows inline exactly what the API would answer.
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

    public static KeyForm For(ApiKey key) => new()
    {
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
        return errors;
    }
}
