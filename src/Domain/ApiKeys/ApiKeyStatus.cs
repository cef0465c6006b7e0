namespace FieldCamp.Domain.ApiKeys;

/// <summary>
/// One status per key, by precedence: revoked, expired, stale, expiring soon, active. A stale key that is
/// also about to expire shows as stale: nobody depends on it, so its expiry is not the news.
/// </summary>
public enum ApiKeyStatus
{
    Active,
    ExpiringSoon,
    Expired,
    Stale,
    Revoked,
}

public static class ApiKeyStatusRules
{
    public static readonly TimeSpan ExpiringSoonWindow = TimeSpan.FromDays(14);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(60);

    /// <summary>The API's spelling: <c>active</c>, <c>expiring_soon</c>, <c>expired</c>, <c>stale</c>, <c>revoked</c>.</summary>
    public static string ToApiString(this ApiKeyStatus status) => status switch
    {
        ApiKeyStatus.Active => "active",
        ApiKeyStatus.ExpiringSoon => "expiring_soon",
        ApiKeyStatus.Expired => "expired",
        ApiKeyStatus.Stale => "stale",
        ApiKeyStatus.Revoked => "revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? value, out ApiKeyStatus status)
    {
        foreach (var candidate in Enum.GetValues<ApiKeyStatus>())
        {
            if (candidate.ToApiString() == value)
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }
}
