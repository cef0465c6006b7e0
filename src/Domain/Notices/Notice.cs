using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Rotation;

namespace FieldCamp.Domain.Notices;

/// <summary>Stored as numbers; never renumbered or reused.</summary>
public enum NoticeKind
{
    ExpiringSoon = 1,
    Stale = 2,
    LeakReported = 3,
    RotationAwaitingRevoke = 4,
    UsedFromBrowser = 5,
    UnusedKeyRevocation = 6,
    UnusedKeyRevoked = 7,
    /// <summary>A webhook endpoint failed for days and was switched off; <c>ApiKeyId</c> holds the endpoint's id.</summary>
    WebhookDisabled = 8,
}

/// <summary>
/// Something about a key that the company's owners and admins should act on, shown in the dashboard's bell.
/// <see cref="DedupKey"/> names the occasion (this key, this threshold, this expiry), so a notice is posted once
/// however often, and on however many instances, the scheduler runs.
/// </summary>
public sealed class Notice
{
    private Notice() { }

    public Notice(string companyId, string branchId, string apiKeyId, string keyName, NoticeKind kind, string message,
        string dedupKey, DateTime createdAt)
    {
        (CompanyId, BranchId, ApiKeyId, KeyName, Kind, Message, DedupKey, CreatedAt) =
            (companyId, branchId, apiKeyId, keyName, kind, message, dedupKey, createdAt);
    }

    public long Id { get; private set; }
    public string CompanyId { get; private set; } = "";
    public string BranchId { get; private set; } = "";
    public string ApiKeyId { get; private set; } = "";
    /// <summary>The key's name when the notice was posted.</summary>
    public string KeyName { get; private set; } = "";
    public NoticeKind Kind { get; private set; }
    public string Message { get; private set; } = "";
    public string DedupKey { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
}

/// <summary>That one person has read one notice. Reading is per person: an admin's click clears nobody else's bell.</summary>
public sealed class NoticeRead
{
    private NoticeRead() { }

    public NoticeRead(long noticeId, string userId, DateTime readAt) => (NoticeId, UserId, ReadAt) = (noticeId, userId, readAt);

    public long NoticeId { get; private set; }
    public string UserId { get; private set; } = "";
    public DateTime ReadAt { get; private set; }
}

/// <summary>When a key deserves a notice, and what it says. Pure: the scheduler supplies the keys and the time.</summary>
public static class NoticeRules
{
    /// <summary>Days before expiry at which a key is announced; each threshold once per expiry date.</summary>
    public static readonly IReadOnlyList<int> ExpiryThresholdDays = [30, 14, 7, 1];

    /// <summary>How far ahead the scheduler needs to look for expiring keys.</summary>
    public static TimeSpan ExpiryHorizon => TimeSpan.FromDays(ExpiryThresholdDays[0]);

    /// <summary>
    /// The notices a live key is due now: its expiry (only the nearest threshold crossed, so a key created a week from
    /// its expiry gets the 7-day notice, not three at once) and staleness. Replaced keys are left alone: their
    /// rotation is under way and their end is planned.
    /// </summary>
    public static IEnumerable<Notice> DueFor(ApiKey key, DateTime nowUtc)
    {
        if (!key.IsUsableAt(nowUtc) || key.ReplacedByKeyId is not null) yield break;

        if (key.ExpiresAt is { } expiresAt && expiresAt - nowUtc <= ExpiryHorizon)
        {
            var left = expiresAt - nowUtc;
            var threshold = ExpiryThresholdDays.Last(days => left <= TimeSpan.FromDays(days));
            var when = left <= TimeSpan.FromDays(1) ? "within a day" : $"in {Math.Ceiling(left.TotalDays):0} days";
            yield return new Notice(key.CompanyId, key.BranchId, key.Id, key.Name, NoticeKind.ExpiringSoon,
                $"Expires {when}, on {expiresAt:yyyy-MM-dd HH:mm} UTC. Rotate it before then so its integration keeps working.",
                $"expiring:{key.Id}:{threshold}:{expiresAt.Ticks}", nowUtc);
        }

        if (key.IsStaleAt(nowUtc))
        {
            var since = key.LastUsedAt ?? key.CreatedAt;
            var idle = (int)(nowUtc - since).TotalDays;
            yield return new Notice(key.CompanyId, key.BranchId, key.Id, key.Name, NoticeKind.Stale,
                key.LastUsedAt is null
                    ? $"Never used in the {idle} days since it was created. Revoke it if nothing needs it."
                    : $"Not used for {idle} days. Revoke it if nothing needs it any more.",
                $"stale:{key.Id}:{since.Ticks}", nowUtc);
        }
    }

    /// <summary>
    /// A rotation whose old key has gone quiet for the full idle period and now only needs someone to revoke it. Not
    /// when automatic revocation was chosen: the rotation job finishes those by itself. Once per idle spell.
    /// </summary>
    public static Notice? RotationAwaitingRevoke(KeyRotation rotation, ApiKey old, TimeSpan idleBeforeRevoke, DateTime nowUtc)
    {
        if (!rotation.IsActive || old.RevokedAt is not null || rotation.AutoRevokeAfterIdleHours is not null) return null;
        var gate = rotation.RevokeGateFor(old, idleBeforeRevoke, nowUtc);
        if (!gate.IdleLongEnough) return null;
        return new Notice(old.CompanyId, old.BranchId, old.Id, old.Name, NoticeKind.RotationAwaitingRevoke,
            $"Its replacement has taken over: the old key has not been used for {KeyRotation.Hours(gate.IdleFor)}. Revoke it to finish the rotation.",
            $"rotation:{rotation.Id}:{gate.IdleSince.Ticks}", nowUtc);
    }

    /// <summary>A key sent from a web page is public to anyone who opens that page.</summary>
    public static Notice UsedFromBrowser(ApiKey key, string origin, DateTime nowUtc) =>
        new(key.CompanyId, key.BranchId, key.Id, key.Name, NoticeKind.UsedFromBrowser,
            $"Used from a web browser ({origin}). A key in client-side code is public: call the API from your backend instead, and rotate this key.",
            $"browser:{key.Id}", nowUtc);

    /// <summary>
    /// The week's warning before the company's key policy revokes an idle key: once per idle spell, so a key used in
    /// between and idle again is announced afresh. The date is the later of the due date and a week from now.
    /// </summary>
    public static Notice? UnusedKeyRevocation(ApiKey key, KeyPolicy policy, DateTime nowUtc)
    {
        if (!key.IsUsableAt(nowUtc) || key.ReplacedByKeyId is not null || policy.UnusedRevocationDue(key) is not { } due) return null;
        if (due - nowUtc > KeyPolicy.RevocationNoticePeriod) return null;
        var on = due > nowUtc + KeyPolicy.RevocationNoticePeriod ? due : nowUtc + KeyPolicy.RevocationNoticePeriod;
        var since = key.LastUsedAt ?? key.CreatedAt;
        var idle = key.LastUsedAt is null ? $"Never used since it was created on {since:yyyy-MM-dd}" : $"Not used since {since:yyyy-MM-dd}";
        return new Notice(key.CompanyId, key.BranchId, key.Id, key.Name, NoticeKind.UnusedKeyRevocation,
            $"{idle}. The key policy revokes keys unused for {policy.RevokeUnusedAfterDays} days: it will be revoked on {on:yyyy-MM-dd HH:mm} UTC unless it is used before then.",
            UnusedKeyOccasion(key), nowUtc);
    }

    /// <summary>The occasion of <see cref="UnusedKeyRevocation"/> for the key's current idle spell.</summary>
    public static string UnusedKeyOccasion(ApiKey key) => $"unused:{key.Id}:{(key.LastUsedAt ?? key.CreatedAt).Ticks}";

    /// <summary>Says that the system revoked an idle key under the key policy.</summary>
    public static Notice UnusedKeyRevoked(ApiKey key, int days, DateTime nowUtc) =>
        new(key.CompanyId, key.BranchId, key.Id, key.Name, NoticeKind.UnusedKeyRevoked,
            $"Revoked by FieldCamp: unused for {days} days, as the key policy asks. Create a new key if an integration still needs one.",
            $"unused-revoked:{key.Id}", nowUtc);
}
