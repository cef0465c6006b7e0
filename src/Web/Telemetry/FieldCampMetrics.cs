using System.Diagnostics.Metrics;

namespace FieldCamp.Web.Telemetry;

/// <summary>
/// The app's own instruments, all on one meter, <see cref="MeterName"/>. Each is counted where the value already
/// exists (no work is added to a request beyond the <c>Add</c>), and with nothing listening an <c>Add</c> costs next
/// to nothing. Tags hold only small fixed sets of values: status classes, scope names, failure codes, policy names,
/// outcomes. Never a key, its secret, its digest, its id, an address or a path.
/// </summary>
internal sealed class FieldCampMetrics
{
    public const string MeterName = "FieldCamp.Console";

    /// <summary>The <c>scope</c> of an API request that no scope decided: refused before authorization, or open to any valid key.</summary>
    public const string NoScope = "none";

    private static readonly KeyValuePair<string, object?>[] StatusClasses =
        [.. Enumerable.Range(0, 6).Select(n => new KeyValuePair<string, object?>("status_class", n == 0 ? "other" : $"{n}xx"))];
    private static readonly KeyValuePair<string, object?> Unscoped = new("scope", NoScope);

    private static readonly KeyValuePair<string, object?> CacheHit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> CacheMiss = new("result", "miss");
    private static readonly KeyValuePair<string, object?> CacheUnknown = new("result", "unknown");

    private static readonly KeyValuePair<string, object?> CompanyPolicy = new("policy", RateLimiting.RateLimitingMiddleware.CompanyPolicy);
    private static readonly KeyValuePair<string, object?> KeyPolicy = new("policy", RateLimiting.RateLimitingMiddleware.KeyPolicy);

    private readonly Counter<long> _apiRequests;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _rateLimitRefusals;
    private readonly Counter<long> _keyCacheLookups;
    private readonly Histogram<double> _usageWriteLag;
    private readonly Counter<long> _usageDropped;
    private readonly Counter<long> _webhookAttempts;

    public FieldCampMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _apiRequests = meter.CreateCounter<long>("fieldcamp.api.requests", "{request}",
            "API requests answered, by status class and the scope the endpoint requires.");
        _authFailures = meter.CreateCounter<long>("fieldcamp.auth.failures", "{credential}",
            "API credentials refused, by failure code.");
        _rateLimitRefusals = meter.CreateCounter<long>("fieldcamp.rate_limit.refusals", "{request}",
            "API requests refused with 429 for exceeding a rate limit, by policy (company or key).");
        _keyCacheLookups = meter.CreateCounter<long>("fieldcamp.key_cache.lookups", "{lookup}",
            "API key lookups: answered from memory (hit), read from the database (miss), or known not to exist without a read (unknown).");
        _usageWriteLag = meter.CreateHistogram<double>("fieldcamp.usage.write_lag", "s",
            "Time from the oldest request in a usage batch until the batch was written.");
        _usageDropped = meter.CreateCounter<long>("fieldcamp.usage.dropped", "{request}",
            "Requests left out of the usage log: the pending log was full, or the batch could not be written.");
        _webhookAttempts = meter.CreateCounter<long>("fieldcamp.webhooks.attempts", "{attempt}",
            "Webhook delivery attempts recorded, by outcome: delivered, failed (tried again later) or gave_up (no attempts left).");
    }

    /// <summary>An API request's answer, once complete. <paramref name="scope"/> is the endpoint's required scope, if one was checked.</summary>
    public void ApiRequest(int status, string? scope)
    {
        var statusClass = (uint)(status / 100) < (uint)StatusClasses.Length ? status / 100 : 0;
        _apiRequests.Add(1, StatusClasses[statusClass], scope is null ? Unscoped : new KeyValuePair<string, object?>("scope", scope));
    }

    /// <summary>A refused credential, by its code (one of a fixed set, see <c>FailedCredentialThrottle</c>).</summary>
    public void AuthFailure(in KeyValuePair<string, object?> code) => _authFailures.Add(1, code);

    public static KeyValuePair<string, object?> FailureCodeTag(string code) => new("code", code);

    public void RateLimitRefused(bool ownKey) => _rateLimitRefusals.Add(1, ownKey ? KeyPolicy : CompanyPolicy);

    public void KeyCacheHit() => _keyCacheLookups.Add(1, CacheHit);

    public void KeyCacheMiss() => _keyCacheLookups.Add(1, CacheMiss);

    public void KeyCacheUnknown() => _keyCacheLookups.Add(1, CacheUnknown);

    public void UsageWritten(TimeSpan lag) => _usageWriteLag.Record(Math.Max(0, lag.TotalSeconds));

    /// <summary><paramref name="reason"/>: <c>full</c> (the pending log was full) or <c>write_failed</c> (the batch could not be written).</summary>
    public void UsageDropped(long requests, string reason)
    {
        if (requests > 0) _usageDropped.Add(requests, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary><paramref name="outcome"/>: <c>delivered</c>, <c>failed</c> or <c>gave_up</c>.</summary>
    public void WebhookAttempt(string outcome) => _webhookAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
