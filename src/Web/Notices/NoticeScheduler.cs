using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Notices;
using FieldCamp.Domain.Rotation;
using FieldCamp.Web.Rotation;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Notices;

/// <summary>Bound from <c>Notices</c>.</summary>
public sealed class NoticeOptions
{
    public const string Section = "Notices";

    /// <summary>How often the scheduler looks for keys that deserve a notice.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Posts the bell's notices: looks at the keys every <see cref="NoticeOptions.Interval"/> and posts each notice that is
/// due and not yet posted. Everything it decides comes from the store and the clock, so a restart (or a second
/// instance) picks up where it left off, and the unique occasion of each notice keeps it from being posted twice.
/// </summary>
internal sealed class NoticeScheduler(
    IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IOptions<NoticeOptions> options, IOptions<KeyRotationSettings> rotation,
    ILogger<NoticeScheduler> logger, StoreOutage outage, Scaling.ClusterSignals signals)
    : PeriodicJob(time, logger, outage)
{
    /// <summary>How far back the request log is searched for browser use; the scheduler runs far more often than this.</summary>
    private static readonly TimeSpan BrowserUseWindow = TimeSpan.FromDays(1);

    protected override TimeSpan Interval => options.Value.Interval;

    protected override string Work => "post key notices";

    /// <summary>Posts every notice due now; returns how many were new.</summary>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        var expiringBefore = now + NoticeRules.ExpiryHorizon;
        var staleBefore = now - ApiKeyStatusRules.StaleAfter;
        var keys = await db.ApiKeys.AsNoTracking()
            .Where(k => k.RevokedAt == null && k.ReplacedByKeyId == null)
            .Where(k => (k.ExpiresAt > now && k.ExpiresAt <= expiringBefore) || (k.LastUsedAt ?? k.CreatedAt) <= staleBefore)
            .ToListAsync(cancellationToken);
        var due = keys.SelectMany(k => NoticeRules.DueFor(k, now)).ToList();

        var since = now - BrowserUseWindow;
        var browserUse = await db.ApiKeyRequests.AsNoTracking()
            .Where(r => r.At >= since && r.Origin != null && r.Status != StatusCodes.Status401Unauthorized)
            .GroupBy(r => r.ApiKeyId)
            .Select(g => new { KeyId = g.Key, Origin = g.Min(r => r.Origin)! })
            .ToListAsync(cancellationToken);
        if (browserUse.Count > 0)
        {
            var ids = browserUse.Select(u => u.KeyId).ToList();
            var used = await db.ApiKeys.AsNoTracking().Where(k => ids.Contains(k.Id) && k.RevokedAt == null).ToDictionaryAsync(k => k.Id, cancellationToken);
            due.AddRange(browserUse.Where(u => used.ContainsKey(u.KeyId)).Select(u => NoticeRules.UsedFromBrowser(used[u.KeyId], u.Origin, now)));
        }

        var rotations = await db.KeyRotations.AsNoTracking()
            .Where(r => r.Step >= RotationStep.Minted && r.Step <= RotationStep.RevokeOld && r.AutoRevokeAfterIdleHours == null)
            .Join(db.ApiKeys.AsNoTracking().Where(k => k.RevokedAt == null), r => r.OldKeyId, k => k.Id, (r, k) => new { Rotation = r, Old = k })
            .ToListAsync(cancellationToken);
        due.AddRange(rotations.Select(r => NoticeRules.RotationAwaitingRevoke(r.Rotation, r.Old, rotation.Value.IdleBeforeRevoke, now)).OfType<Notice>());

        return await PostNewAsync(db, due, cancellationToken);
    }

    private async Task<int> PostNewAsync(AppDbContext db, List<Notice> due, CancellationToken cancellationToken)
    {
        if (due.Count == 0) return 0;
        var occasions = due.Select(n => n.DedupKey).Distinct().ToList();
        var posted = (await db.Notices.Where(n => occasions.Contains(n.DedupKey))
            .Select(n => new { n.CompanyId, n.DedupKey }).ToListAsync(cancellationToken))
            .Select(p => (p.CompanyId, p.DedupKey)).ToHashSet();

        var count = 0;
        foreach (var notice in due.DistinctBy(n => (n.CompanyId, n.DedupKey)).Where(n => !posted.Contains((n.CompanyId, n.DedupKey))))
        {
            db.Notices.Add(notice);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                count++;
                // Bells open on any instance recount now rather than within their minute.
                signals.Dashboard(Scaling.DashboardEvents.Notices, notice.CompanyId);
            }
            catch (DbUpdateException)
            {
                // Another instance posted the same occasion a moment ago.
                db.Entry(notice).State = EntityState.Detached;
            }
        }
        return count;
    }
}
