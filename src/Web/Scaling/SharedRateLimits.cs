using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FieldCamp.Web.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

/// <summary>What the shared counter in Redis answered for one request.</summary>
internal readonly record struct SharedDecision(bool Admitted, int Remaining, int ResetSeconds);

/// <summary>
/// The fixed-window counters of every instance together, in Redis: one atomic script per request (EVALSHA, loaded with
/// SCRIPT LOAD) counts the request in its partition's bucket and answers admitted or not, the permits left and the
/// seconds to the window's end, all read on the Redis server's clock (<c>TIME</c>), so every instance gives the same
/// answer and the same RateLimit headers. Windows are aligned on whole multiples of the window length since the Unix
/// epoch, like <see cref="FixedWindowCounter"/>. When Redis cannot answer, <see cref="TryAcquireAsync"/> returns null and
/// the caller counts in this process instead (see <see cref="InstanceRegistry.FallbackLimit"/>).
/// </summary>
internal sealed class SharedRateLimits
{
    // KEYS[1] the bucket; ARGV[1] the window in whole seconds, ARGV[2] the limit. A hash holds the window's start (w)
    // and its count (n); it expires ten seconds after its window. Numbers stay small (seconds, not microseconds), so
    // Lua's doubles carry them exactly when they are written back as strings.
    private const string Script = """
        local t = redis.call('TIME')
        local sec, usec = tonumber(t[1]), tonumber(t[2])
        local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
        local start = sec - (sec % window)
        local left_us = (start + window - sec) * 1000000 - usec
        local reset = math.ceil(left_us / 1000000)
        local stored = redis.call('HMGET', KEYS[1], 'w', 'n')
        local count = 0
        if tonumber(stored[1]) == start then count = tonumber(stored[2]) end
        if count < limit then
          count = count + 1
          redis.call('HSET', KEYS[1], 'w', start, 'n', count)
          redis.call('PEXPIRE', KEYS[1], math.ceil(left_us / 1000) + 10000)
          return {1, limit - count, reset}
        end
        return {0, limit - count, reset}
        """;

    private static readonly byte[] ScriptHash = SHA1.HashData(Encoding.UTF8.GetBytes(Script));

    private readonly RedisConnection _redis;
    private readonly ILogger<SharedRateLimits> _logger;
    private readonly TimeProvider _time;
    private readonly RedisValue _window;
    private readonly string _companyPrefix, _keyPrefix;
    private long _lastLogged;

    public SharedRateLimits(RedisConnection redis, IOptions<RateLimitDefaults> options, ILogger<SharedRateLimits> logger, TimeProvider time)
    {
        _redis = redis;
        _logger = logger;
        _time = time;
        _window = (long)options.Value.Window.TotalSeconds;
        _companyPrefix = redis.Prefix + "rl:c:";
        _keyPrefix = redis.Prefix + "rl:k:";
    }

    /// <summary>Whether a request would be counted in Redis now (configured and connected).</summary>
    public bool IsAvailable => _redis.IsConnected;

    /// <summary>Counts one request in the partition's shared bucket; null when Redis could not answer.</summary>
    public async ValueTask<SharedDecision?> TryAcquireAsync(RateLimitPartitionKey partition)
    {
        var database = _redis.Database;
        // The limit is part of the bucket, as in this process: a changed limit starts a fresh count at once.
        RedisKey[] keys = [string.Concat(partition.OwnKey ? _keyPrefix : _companyPrefix, partition.Id, ":",
            partition.Limit.ToString(CultureInfo.InvariantCulture))];
        RedisValue[] values = [_window, partition.Limit];
        try
        {
            RedisResult result;
            try
            {
                result = await database.ScriptEvaluateAsync(ScriptHash, keys, values);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                // A restarted (or flushed) Redis forgot the script: load it once more and count again.
                await database.ExecuteAsync("SCRIPT", "LOAD", Script);
                result = await database.ScriptEvaluateAsync(ScriptHash, keys, values);
            }
            var answer = (RedisResult[])result!;
            return new SharedDecision((long)answer[0] == 1, (int)(long)answer[1], (int)(long)answer[2]);
        }
        // A timeout is not a RedisException (it is a TimeoutException), and must not become a 500 either.
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Connection losses are logged once by RedisConnection; anything else at most once a minute, never per request.
            if (ex is not RedisConnectionException && _time.GetElapsedTime(Interlocked.Read(ref _lastLogged)) > TimeSpan.FromMinutes(1))
            {
                Interlocked.Exchange(ref _lastLogged, _time.GetTimestamp());
                _logger.LogWarning(ex, "Redis could not count a request; this instance counts alone meanwhile.");
            }
            return null;
        }
    }

    /// <summary>Loads the script ahead of the first request (each connect; a restarted Redis has forgotten it).</summary>
    public async Task LoadScriptAsync()
    {
        try
        {
            await _redis.Database.ExecuteAsync("SCRIPT", "LOAD", Script);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // Loaded on the first NOSCRIPT instead.
        }
    }
}
