using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Idempotency;

/// <summary>Deletes idempotency keys past their retention (24 hours from the first request), every hour.</summary>
internal sealed class IdempotencyPruning(
    IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPruning> logger, StoreOutage outage)
    : PeriodicJob(time, logger, outage)
{
    protected override TimeSpan Interval => options.Value.PruneInterval;

    protected override string Work => "delete expired idempotency keys";

    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = Time.GetUtcNow().UtcDateTime - options.Value.Retention;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.IdempotencyRecords.Where(r => r.ClaimedAt <= cutoff).ExecuteDeleteAsync(cancellationToken);
    }
}
