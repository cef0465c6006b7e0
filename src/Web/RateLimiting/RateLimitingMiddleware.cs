using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.RateLimiting;

/// <summary>Whose allowance a request draws on: its company's shared one, or its key's own override.</summary>
/// <remarks>
/// The limit is part of the partition: when an owner changes the shared limit or a key's override, requests move to a
/// fresh counter at once, and the old one is released once idle.
/// </remarks>
internal readonly record struct RateLimitPartitionKey(bool OwnKey, string Id, int Limit)
{
    public string PolicyName => OwnKey ? RateLimitingMiddleware.KeyPolicy : RateLimitingMiddleware.CompanyPolicy;
}

/// <summary>
/// Enforces the request limits of authenticated API calls and tells every caller where it stands, in the IETF
/// RateLimit fields (the current draft's <c>RateLimit-Policy</c>/<c>RateLimit</c> and the older
/// <c>RateLimit-Limit</c>/<c>-Remaining</c>/<c>-Reset</c>). Runs after authentication (only an accepted credential is
/// counted, so no partition is ever keyed by a value an anonymous caller chooses) and before authorization, so a
/// refused request runs nothing behind it. With Redis configured, every instance counts in the same buckets there
/// (<see cref="Scaling.SharedRateLimits"/>); while Redis cannot answer, or without it, counting is in this process,
/// each instance allowing its share of the limit (<see cref="Scaling.InstanceRegistry.FallbackLimit"/>).
/// </summary>
internal sealed class RateLimitingMiddleware
{
    public const string CompanyPolicy = "company";
    public const string KeyPolicy = "key";

    // A 429 flood must be cheap: its bodies are serialized once, one per policy a request can exceed.
    private static readonly byte[] CompanyRefusedBody = ApiProblems.Precompute(ApiProblems.RateLimited(CompanyPolicy));
    private static readonly byte[] KeyRefusedBody = ApiProblems.Precompute(ApiProblems.RateLimited(KeyPolicy));

    private static readonly string[] SmallNumbers = [.. Enumerable.Range(0, 1024).Select(n => n.ToString(CultureInfo.InvariantCulture))];

    private readonly RequestDelegate _next;
    private readonly CompanyRateLimits _companies;
    private readonly PartitionedRateLimiter<RateLimitPartitionKey> _limiter;
    private readonly string _windowSeconds;
    // RateLimit-Policy depends only on whose allowance and its size: one string per distinct limit, not per request.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(bool OwnKey, int Limit), string> _policies = new();

    private readonly Telemetry.FieldCampMetrics _metrics;
    private readonly Scaling.SharedRateLimits _shared;
    private readonly Scaling.InstanceRegistry _instances;

    public RateLimitingMiddleware(RequestDelegate next, CompanyRateLimits companies, RateLimitPartitions partitions, IOptions<RateLimitDefaults> options,
        Telemetry.FieldCampMetrics metrics, Scaling.SharedRateLimits shared, Scaling.InstanceRegistry instances)
    {
        _next = next;
        _shared = shared;
        _instances = instances;
        _metrics = metrics;
        _companies = companies;
        _limiter = partitions.Limiter;
        _windowSeconds = Number((int)options.Value.Window.TotalSeconds);
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IApiCredentialFeature>() is not { Accepted: true } credential || !ApiKeyDefaults.IsApiRequest(context.Request))
            return _next(context);
        if (credential is { RateLimitPerMinute: { } own, KeyId: { } keyId })
            return Limit(context, new RateLimitPartitionKey(true, keyId, own));

        // The company's limit is almost always in memory: then no state machine is built for this request.
        var companyId = credential.Caller.Tenant.CompanyId;
        var shared = _companies.GetAsync(companyId);
        return shared.IsCompletedSuccessfully
            ? Limit(context, new RateLimitPartitionKey(false, companyId, shared.Result))
            : LimitAfterReadingAsync(context, companyId, shared);
    }

    private async Task LimitAfterReadingAsync(HttpContext context, string companyId, ValueTask<int> shared) =>
        await Limit(context, new RateLimitPartitionKey(false, companyId, await shared));

    private Task Limit(HttpContext context, RateLimitPartitionKey partition)
    {
        if (_shared.IsAvailable) return LimitSharedAsync(context, partition);
        return LimitHere(context, partition);
    }

    private async Task LimitSharedAsync(HttpContext context, RateLimitPartitionKey partition)
    {
        if (await _shared.TryAcquireAsync(partition) is { } decision)
            await Answer(context, partition, decision.Admitted, decision.Remaining, decision.ResetSeconds);
        else
            await LimitHere(context, partition);
    }

    /// <summary>Counted in this process: this instance's share of the limit (all of it when it runs alone).</summary>
    private Task LimitHere(HttpContext context, RateLimitPartitionKey partition)
    {
        partition = partition with { Limit = _instances.FallbackLimit(partition.Limit) };
        using var lease = Acquire(partition);
        return Answer(context, partition, lease.IsAcquired, lease.Remaining, lease.ResetSeconds);
    }

    private Task Answer(HttpContext context, RateLimitPartitionKey partition, bool admitted, int remainingPermits, int resetSeconds)
    {
        var remaining = Number(remainingPermits);
        var reset = Number(resetSeconds);
        // Written into the headers when the answer starts (ApiBoundaryMiddleware), so that an answer the exception
        // handler rewrites, which starts from cleared headers, still carries them.
        context.Features.Set(new RateLimitHeaders(
            _policies.GetOrAdd((partition.OwnKey, partition.Limit),
                static (policy, window) => $"\"{(policy.OwnKey ? KeyPolicy : CompanyPolicy)}\";q={policy.Limit};w={window}", _windowSeconds),
            $"\"{partition.PolicyName}\";r={remaining};t={reset}", Number(partition.Limit), remaining, reset));

        if (admitted) return _next(context);

        // Refused: nothing behind this runs. The usage log still counts the 429 against the key, not as a use of it.
        _metrics.RateLimitRefused(partition.OwnKey);
        context.Response.Headers.RetryAfter = reset;
        return ApiProblems.WritePrecomputedAsync(context.Response, StatusCodes.Status429TooManyRequests,
            partition.OwnKey ? KeyRefusedBody : CompanyRefusedBody);
    }

    private WindowLease Acquire(RateLimitPartitionKey partition)
    {
        var spin = new SpinWait();
        while (true)
        {
            try
            {
                return (WindowLease)_limiter.AttemptAcquire(partition);
            }
            // The counter handed out retired before our count (see FixedWindowCounter.IdleDuration): the partitioned
            // limiter is removing it under its lock this very moment, so asking again soon gets a fresh one. Bounded,
            // for a limiter that is itself disposed (the app stopping).
            catch (ObjectDisposedException) when (spin.Count < 100)
            {
                spin.SpinOnce();
            }
        }
    }

    private static string Number(int value) =>
        (uint)value < (uint)SmallNumbers.Length ? SmallNumbers[value] : value.ToString(CultureInfo.InvariantCulture);

}

/// <summary>Where one request stands against its allowance, as the IETF RateLimit fields.</summary>
internal sealed class RateLimitHeaders(string policy, string state, string limit, string remaining, string reset)
{
    public void WriteTo(IHeaderDictionary headers)
    {
        headers["RateLimit-Policy"] = policy;
        headers["RateLimit"] = state;
        headers["RateLimit-Limit"] = limit;
        headers["RateLimit-Remaining"] = remaining;
        headers["RateLimit-Reset"] = reset;
    }
}

/// <summary>
/// The counters of every partition, one process-wide <see cref="PartitionedRateLimiter{TResource}"/>. A counter unused
/// for ten seconds past the end of its window retires and reports itself idle, and the partitioned limiter then
/// releases it (its own timer looks every 100 ms), so memory follows the keys active in the last window or so, not
/// every key ever seen.
/// </summary>
internal sealed class RateLimitPartitions : IDisposable
{
    public RateLimitPartitions(IOptions<RateLimitDefaults> options, TimeProvider time) : this(options.Value.Window, time)
    {
    }

    /// <param name="created">Told of each counter made, for tests that watch counters being released.</param>
    internal RateLimitPartitions(TimeSpan window, TimeProvider time, Action<FixedWindowCounter>? created = null)
    {
        // One factory for every partition: a lambda written inside the partitioner would be a new delegate per request.
        Func<RateLimitPartitionKey, RateLimiter> counterFor = key =>
        {
            var counter = new FixedWindowCounter(key.Limit, window, time);
            created?.Invoke(counter);
            return counter;
        };
        Limiter = PartitionedRateLimiter.Create<RateLimitPartitionKey, RateLimitPartitionKey>(key => RateLimitPartition.Get(key, counterFor));
    }

    public PartitionedRateLimiter<RateLimitPartitionKey> Limiter { get; }

    public void Dispose() => Limiter.Dispose();
}
