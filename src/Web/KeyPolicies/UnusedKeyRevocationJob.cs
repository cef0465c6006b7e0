using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Notices;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.KeyPolicies;

/// <summary>Bound from <c>KeyPolicy</c>.</summary>
public sealed class UnusedKeyRevocationOptions
{
    public const string Section = "KeyPolicy";

    /// <summary>How often the job looks for idle keys; the policy counts in days, so this need not be often.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Carries out "revoke keys unused for N days" for every company that turned it on: a week before a key falls due it
/// posts a notice to the bell, and once due and announced a week ago, revokes it as the system, audited with the reason.
/// Everything it decides comes from the store (the keys' last use, the policy, the notices already posted), so a restart
/// or a second instance picks up where it left off and nothing is done twice. A key used in between starts a new idle
/// spell, which needs its own notice before it can be revoked.
/// </summary>
internal sealed class UnusedKeyRevocationJob(
    IDbContextFactory<AppDbContext> dbFactory, CredentialCache credentials, TimeProvider time, IOptions<UnusedKeyRevocationOptions> options,
    ILogger<UnusedKeyRevocationJob> logger, StoreOutage outage) : PeriodicJob(time, logger, outage)
{
    protected override TimeSpan Interval => options.Value.Interval;

    protected override string Work => "revoke unused keys";

    /// <summary>Posts the notices due and revokes the keys due; returns how many keys it revoked.</summary>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var policies = await db.KeyPolicies.AsNoTracking().Where(p => p.RevokeUnusedAfterDays != null).ToListAsync(cancellationToken);
        var revoked = 0;
        foreach (var policy in policies)
        {
            // Keys within a week of falling due, or past it.
            var idleSince = now.AddDays(-policy.RevokeUnusedAfterDays!.Value) + KeyPolicy.RevocationNoticePeriod;
            var candidates = await db.ApiKeys.AsNoTracking()
                .Where(k => k.CompanyId == policy.CompanyId && k.RevokedAt == null && k.ReplacedByKeyId == null && !(k.ExpiresAt <= now))
                .Where(k => (k.LastUsedAt ?? k.CreatedAt) <= idleSince)
                .Select(k => k.Id).ToListAsync(cancellationToken);
            foreach (var id in candidates)
                if (await ActOnAsync(db, policy, id, now, cancellationToken)) revoked++;
        }
        return revoked;
    }

    private async Task<bool> ActOnAsync(AppDbContext db, KeyPolicy policy, string keyId, DateTime now, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var key = await db.ApiKeys.SingleAsync(k => k.Id == keyId, cancellationToken);
        var occasion = NoticeRules.UnusedKeyOccasion(key);
        var announcedAt = await db.Notices.Where(n => n.CompanyId == key.CompanyId && n.DedupKey == occasion)
            .Select(n => (DateTime?)n.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (announcedAt is null)
        {
            if (NoticeRules.UnusedKeyRevocation(key, policy, now) is { } notice) await TrySaveAsync(db, notice, cancellationToken);
            return false;
        }
        if (!policy.IsUnusedRevocationDue(key, announcedAt, now)) return false;

        var days = policy.RevokeUnusedAfterDays!.Value;
        key.Revoke(Actor.System, now, $"Unused for {days} days: revoked under the company's key policy.");
        var other = await ApiKeyManager.EndRotationOfAsync(db, key, Actor.System, now, cancellationToken);
        db.Notices.Add(NoticeRules.UnusedKeyRevoked(key, days, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // A person changed or revoked the key at the same moment (or another instance got there first): the next round sees it.
            return false;
        }
        finally
        {
            credentials.Invalidate(key.SecretHash);
            if (other is not null) credentials.Invalidate(other.SecretHash);
        }
    }

    private static async Task TrySaveAsync(AppDbContext db, Notice notice, CancellationToken cancellationToken)
    {
        db.Notices.Add(notice);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another instance posted the same occasion a moment ago.
        }
    }
}
