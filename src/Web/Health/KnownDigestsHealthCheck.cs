using FieldCamp.Web.Auth;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FieldCamp.Web.Health;

/// <summary>
/// Readiness: not ready until every key digest that existed at start-up is in memory (see <see cref="KnownDigests"/>).
/// Requests are served meanwhile; only a client over its failed-credential allowance sees a difference (its real keys
/// are not recognised from memory yet). No I/O.
/// </summary>
internal sealed class KnownDigestsHealthCheck(KnownDigests known) : IHealthCheck
{
    public const string Name = "known-digests";

    private static readonly Task<HealthCheckResult> Ready = Task.FromResult(HealthCheckResult.Healthy());
    private static readonly Task<HealthCheckResult> Loading =
        Task.FromResult(HealthCheckResult.Unhealthy("The key digests are still being read from the database."));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        known.IsLoaded ? Ready : Loading;
}
