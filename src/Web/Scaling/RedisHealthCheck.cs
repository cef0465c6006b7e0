using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

/// <summary>
/// Readiness, with Redis configured: does Redis answer a PING? Kept for a second and shared by the checks that arrive
/// meanwhile, like <see cref="Health.StoreHealthCheck"/>, so a flood of probes costs at most one PING a second. Not
/// ready while Redis is away: the instance still serves (limits and caches fall back), but a load balancer should
/// know it runs degraded.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection redis, TimeProvider time) : IHealthCheck
{
    public const string Name = "redis";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _last;
    private long _startedAt;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_last is not null && time.GetElapsedTime(_startedAt) < CacheFor) return _last;
            _startedAt = time.GetTimestamp();
            return _last = ProbeAsync();
        }
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        if (redis.Multiplexer is not { IsConnected: true } multiplexer)
            return HealthCheckResult.Unhealthy("Redis cannot be reached.");
        try
        {
            await multiplexer.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2));
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis cannot be reached.");
        }
    }
}
