using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FieldCamp.Web.Health;

/// <summary>
/// Readiness: can the database answer a query? The result is kept for <see cref="CacheFor"/>, and checks that arrive
/// while one runs share it, so a flood of probes costs at most one query a second.
/// </summary>
internal sealed class StoreHealthCheck(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, StoreOutage outage) : IHealthCheck
{
    public const string Name = "store";
    public const string ReadyTag = "ready";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _last;
    private long _startedAt;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_last is not null && time.GetElapsedTime(_startedAt) < CacheFor) return _last;
            _startedAt = time.GetTimestamp();
            // Not the caller's token: the shared check must not fail for everyone because its first caller went away.
            return _last = ProbeAsync();
        }
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        var failuresBefore = outage.Failures;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.Companies.AsNoTracking().AnyAsync();
            outage.Answered(failuresBefore);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
        {
            outage.Report(ex, "checking readiness");
            return HealthCheckResult.Unhealthy("The database cannot be reached.");
        }
    }
}
