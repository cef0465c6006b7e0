using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

/// <summary>
/// Each instance announces itself in Redis every <see cref="RedisOptions.HeartbeatInterval"/> (a sorted set of instance
/// ids scored by when their announcement lapses, three intervals later, on Redis's clock) and learns how many are
/// alive. The last count seen is kept: when Redis goes away, each instance limits requests alone to its share of the
/// limit, <see cref="FallbackLimit"/>, so together they admit no more than the limit.
/// </summary>
internal sealed class InstanceRegistry(RedisConnection redis, IOptions<RedisOptions> options, SharedRateLimits limits,
    ClusterSignals signals, Auth.CredentialCache credentials, RateLimiting.CompanyRateLimits companyLimits, ILogger<InstanceRegistry> logger)
    : BackgroundService
{
    // KEYS[1] the set; ARGV[1] this instance, ARGV[2] seconds an announcement lasts. Returns how many are alive.
    private const string Script = """
        local now = tonumber(redis.call('TIME')[1])
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
        return redis.call('ZCARD', KEYS[1])
        """;

    private readonly string _id = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    private volatile int _known = 1;

    /// <summary>How many instances were alive when Redis last answered (1 until it has).</summary>
    public int KnownInstances => _known;

    /// <summary>This instance's share of <paramref name="limit"/> while it counts alone: limit ÷ instances, rounded down, at least 1.</summary>
    public int FallbackLimit(int limit) => Math.Max(1, limit / _known);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.Start();
        credentials.ListenToOtherInstances();
        signals.CompanyLimitChanged += companyLimits.ForgetHere;
        ConnectionMultiplexer multiplexer;
        try
        {
            multiplexer = await redis.ConnectedAsync().WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive) _ = limits.LoadScriptAsync();
        };
        await signals.SubscribeAsync();
        await limits.LoadScriptAsync();

        var interval = options.Value.HeartbeatInterval;
        var lasts = (long)Math.Ceiling((interval * 3).TotalSeconds);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                var count = (int)(long)(await redis.Database.ScriptEvaluateAsync(Script, [Key], [_id, lasts]))!;
                if (count != _known) logger.LogInformation("{Count} instance(s) share Redis.", count);
                _known = Math.Max(1, count);
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                // Keep the last count: it is what the fallback divides by. The outage itself is logged by RedisConnection.
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (redis.Multiplexer is not { IsConnected: true }) return;
        try
        {
            // Leaving: the others' count drops at once rather than three beats later.
            await redis.Database.SortedSetRemoveAsync(Key, _id).WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
        }
    }

    private RedisKey Key => redis.Prefix + "instances";

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
