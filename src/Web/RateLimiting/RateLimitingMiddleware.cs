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
/// refused request runs nothing behind it. Counting is per process: N instances admit up to N times the limit.
/// </summary>
internal sealed class RateLimitingMiddleware
{
    public const string CompanyPolicy = "company";
    public const string KeyPolicy = "key";

    private const string ProblemJson = "application/problem+json";

    // A 429 flood must be cheap: its bodies are serialized once, one per policy a request can exceed.
    private static readonly byte[] CompanyRefusedBody = Serialize(CompanyPolicy);
    private static readonly byte[] KeyRefusedBody = Serialize(KeyPolicy);

    private static readonly string[] SmallNumbers = [.. Enumerable.Range(0, 1024).Select(n => n.ToString(CultureInfo.InvariantCulture))];

    private readonly RequestDelegate _next;
    private readonly CompanyRateLimits _companies;
    private readonly PartitionedRateLimiter<RateLimitPartitionKey> _limiter;
    private readonly string _windowSeconds;

    public RateLimitingMiddleware(RequestDelegate next, CompanyRateLimits companies, RateLimitPartitions partitions, IOptions<RateLimitDefaults> options)
    {
        _next = next;
        _companies = companies;
        _limiter = partitions.Limiter;
        _windowSeconds = Number((int)options.Value.Window.TotalSeconds);
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IApiCredentialFeature>() is not { Accepted: true } credential || !ApiKeyDefaults.IsApiRequest(context.Request))
        {
            await _next(context);
            return;
        }

        var partition = credential is { RateLimitPerMinute: { } own, KeyId: { } keyId }
            ? new RateLimitPartitionKey(true, keyId, own)
            : new RateLimitPartitionKey(false, credential.Caller.Tenant.CompanyId,
                await _companies.GetAsync(credential.Caller.Tenant.CompanyId, context.RequestAborted));

        using var lease = Acquire(partition);
        var headers = context.Response.Headers;
        var limit = Number(partition.Limit);
        var remaining = Number(lease.Remaining);
        var reset = Number(lease.ResetSeconds);
        headers["RateLimit-Policy"] = $"\"{partition.PolicyName}\";q={limit};w={_windowSeconds}";
        headers["RateLimit"] = $"\"{partition.PolicyName}\";r={remaining};t={reset}";
        headers["RateLimit-Limit"] = limit;
        headers["RateLimit-Remaining"] = remaining;
        headers["RateLimit-Reset"] = reset;

        if (lease.IsAcquired)
        {
            await _next(context);
            return;
        }

        // Refused: nothing behind this runs. The usage log still counts the 429 against the key, not as a use of it.
        headers.RetryAfter = reset;
        var body = partition.OwnKey ? KeyRefusedBody : CompanyRefusedBody;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.ContentType = ProblemJson;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private WindowLease Acquire(RateLimitPartitionKey partition)
    {
        try
        {
            return (WindowLease)_limiter.AttemptAcquire(partition);
        }
        catch (ObjectDisposedException)
        {
            // The partitioned limiter released this idle counter between handing it out and our count. It removed it
            // first, so asking again makes a fresh one; nothing it counted mattered any more (its window had ended).
            return (WindowLease)_limiter.AttemptAcquire(partition);
        }
    }

    private static string Number(int value) =>
        (uint)value < (uint)SmallNumbers.Length ? SmallNumbers[value] : value.ToString(CultureInfo.InvariantCulture);

    private static byte[] Serialize(string policy) =>
        JsonSerializer.SerializeToUtf8Bytes(ApiProblems.RateLimited(policy), ApiProblems.PrecomputedJsonOptions);
}

/// <summary>
/// The counters of every partition, one process-wide <see cref="PartitionedRateLimiter{TResource}"/>. A counter whose
/// window has ended reports itself idle, and the partitioned limiter disposes counters idle for more than ten seconds
/// (its own timer), so memory follows the keys active in the last window or so, not every key ever seen.
/// </summary>
internal sealed class RateLimitPartitions : IDisposable
{
    public RateLimitPartitions(IOptions<RateLimitDefaults> options, TimeProvider time) : this(options.Value.Window, time)
    {
    }

    /// <param name="created">Told of each counter made, for tests that watch counters being released.</param>
    internal RateLimitPartitions(TimeSpan window, TimeProvider time, Action<FixedWindowCounter>? created = null)
    {
        Limiter = PartitionedRateLimiter.Create<RateLimitPartitionKey, RateLimitPartitionKey>(
            key => RateLimitPartition.Get(key, k =>
            {
                var counter = new FixedWindowCounter(k.Limit, window, time);
                created?.Invoke(counter);
                return counter;
            }));
    }

    public PartitionedRateLimiter<RateLimitPartitionKey> Limiter { get; }

    public void Dispose() => Limiter.Dispose();
}
