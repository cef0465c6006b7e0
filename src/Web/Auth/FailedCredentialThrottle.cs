using System.Collections.Concurrent;
using System.Text;
using FieldCamp.Web.Api;
using FieldCamp.Web.Telemetry;

namespace FieldCamp.Web.Auth;

/// <summary>Bound from <c>RateLimits</c>: how many failed credentials one client may send in a minute.</summary>
public sealed class FailedCredentialOptions
{
    public const string Section = "RateLimits";

    /// <summary>
    /// Failed credentials (401s for a credential that was presented) one client address may send per minute; the
    /// next ones in that minute are answered 429 without being checked. 0 switches the throttle off.
    /// </summary>
    public int FailedCredentialsPerMinute { get; set; } = 60;
}

/// <summary>
/// Counts failed credentials per client address in fixed one-minute windows (aligned to the clock's minutes) and
/// says when a client has used up its allowance. It also writes the only log line failures get: a summary at the end
/// of each minute that had any, at Warning, with the failures by code and the five busiest addresses.
/// </summary>
/// <remarks>
/// Memory is bounded: each window tracks at most <see cref="Capacity"/> addresses (a few dozen bytes each) and is
/// dropped whole when the next minute begins. Addresses beyond the first <see cref="Capacity"/> of a minute are not
/// tracked in that minute: their failures are answered 401 as without the throttle (still with no database read for an
/// invented key), and the summary counts them as untracked.
/// </remarks>
internal sealed class FailedCredentialThrottle : IDisposable
{
    public const int Capacity = 100_000;
    private static readonly TimeSpan WindowLength = TimeSpan.FromMinutes(1);

    // The codes a failure can have, in the order the summary lists them.
    private static readonly string[] Codes =
    [
        AuthFailureCodes.InvalidKey, AuthFailureCodes.KeyExpired, AuthFailureCodes.KeyRevoked,
        AuthFailureCodes.ConflictingCredentials, AuthFailureCodes.AmbiguousCredential, TooManyFailuresCode,
    ];

    public const string TooManyFailuresCode = "too_many_failed_credentials";

    // The same codes as metric tags, made once: counting a failure allocates nothing.
    private static readonly KeyValuePair<string, object?>[] CodeTags = [.. Codes.Select(FieldCampMetrics.FailureCodeTag)];

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _limit;
    private readonly int _capacity;
    private readonly ITimer _summaryTimer;
    private readonly FieldCampMetrics? _metrics;
    private readonly Lock _rollover = new();
    private Window _window;

    public FailedCredentialThrottle(Microsoft.Extensions.Options.IOptions<FailedCredentialOptions> options, TimeProvider time,
        ILogger<FailedCredentialThrottle> logger, FieldCampMetrics metrics) : this(options.Value.FailedCredentialsPerMinute, time, logger, Capacity, metrics)
    {
    }

    internal FailedCredentialThrottle(int limit, TimeProvider time, ILogger logger, int capacity, FieldCampMetrics? metrics = null)
    {
        _metrics = metrics;
        _limit = Math.Max(0, limit);
        _time = time;
        _logger = logger;
        _capacity = capacity;
        _window = new Window(WindowIndex(time.GetUtcNow()));
        // A quiet minute after a flood still gets its summary: the timer rolls the window over if no request does.
        _summaryTimer = time.CreateTimer(_ => Current(), null, WindowLength, WindowLength);
    }

    public bool Enabled => _limit > 0;

    /// <summary>
    /// True when <paramref name="client"/> has used up this minute's allowance; then its next credential is refused
    /// unchecked, and <paramref name="retryAfter"/> is the time left in the window.
    /// </summary>
    public bool IsExhausted(ClientAddress client, out TimeSpan retryAfter)
    {
        retryAfter = default;
        if (_limit == 0) return false;
        var window = Current();
        if (!window.Counters.TryGetValue(client, out var counter) || Volatile.Read(ref counter.Failures) < _limit) return false;
        retryAfter = window.Remaining(_time.GetUtcNow());
        return true;
    }

    /// <summary>Counts a credential refused unchecked because its client was over the limit.</summary>
    public void Refused(ClientAddress client)
    {
        var window = Current();
        Count(window, Codes.Length - 1);
        if (window.Counters.TryGetValue(client, out var counter)) Interlocked.Increment(ref counter.Refused);
    }

    /// <summary>
    /// Counts a failed credential with its <paramref name="code"/>. True when it went over the limit: then it is
    /// answered 429 (with <paramref name="retryAfter"/>) instead of its 401, so no client ever gets more than the
    /// limit's 401s in a window, however many requests run side by side.
    /// </summary>
    public bool Failed(ClientAddress client, string code, out TimeSpan retryAfter)
    {
        retryAfter = default;
        var window = Current();
        var counter = window.Counter(client, _capacity);
        if (counter is null)
        {
            Count(window, Array.IndexOf(Codes, code));
            Interlocked.Increment(ref window.Untracked);
            return false;
        }
        var failures = Interlocked.Increment(ref counter.Failures);
        if (_limit == 0 || failures <= _limit)
        {
            Count(window, Array.IndexOf(Codes, code));
            return false;
        }
        // Already counted in Failures: Refused is only for the requests refused before their check.
        Count(window, Codes.Length - 1);
        retryAfter = window.Remaining(_time.GetUtcNow());
        return true;
    }

    /// <summary>Addresses tracked in the current window (for tests and diagnostics).</summary>
    public int TrackedAddresses => Volatile.Read(ref _window.Tracked);

    public void Dispose() => _summaryTimer.Dispose();

    /// <summary>One failure in the minute's summary and in the <c>fieldcamp.auth.failures</c> metric.</summary>
    private void Count(Window window, int code)
    {
        window.Count(code);
        if (code >= 0) _metrics?.AuthFailure(CodeTags[code]);
    }

    private static long WindowIndex(DateTimeOffset now) => now.UtcTicks / WindowLength.Ticks;

    /// <summary>The window of the current minute; the first caller after a minute ends starts a new one and logs the old.</summary>
    private Window Current()
    {
        var index = WindowIndex(_time.GetUtcNow());
        var window = Volatile.Read(ref _window);
        if (window.Index == index) return window;
        Window ended;
        lock (_rollover)
        {
            ended = _window;
            if (ended.Index == index) return ended;
            window = new Window(index);
            Volatile.Write(ref _window, window);
        }
        Summarize(ended);
        return window;
    }

    private void Summarize(Window ended)
    {
        var total = ended.ByCode.Sum();
        if (total == 0) return;

        var byCode = new StringBuilder();
        for (var i = 0; i < Codes.Length; i++)
        {
            var count = Interlocked.Read(ref ended.ByCode[i]);
            if (count == 0) continue;
            if (byCode.Length > 0) byCode.Append(", ");
            byCode.Append(Codes[i]).Append(' ').Append(count);
        }
        var top = ended.Counters
            .Select(entry => (Client: entry.Key, Count: (long)entry.Value.Failures + entry.Value.Refused))
            .OrderByDescending(entry => entry.Count)
            .Take(5)
            .Select(entry => $"{entry.Client} {entry.Count}");
        var start = new DateTimeOffset(ended.Index * WindowLength.Ticks, TimeSpan.Zero);
        _logger.LogWarning(
            "Failed API credentials in the minute from {WindowStart:HH:mm} UTC: {Failures} ({ByCode}) from {Clients} client address(es){Untracked}; top: {TopClients}",
            start, total, byCode.ToString(), ended.Counters.Count,
            Interlocked.Read(ref ended.Untracked) is > 0 and var untracked ? $" and {untracked} failures from addresses beyond the {_capacity:N0} tracked" : "",
            string.Join(", ", top));
    }

    private sealed class Counter
    {
        /// <summary>Credentials checked and refused (including those answered 429 for going over the limit).</summary>
        public int Failures;

        /// <summary>Credentials refused unchecked because the client was already over the limit.</summary>
        public int Refused;
    }

    private sealed class Window(long index)
    {
        public readonly long Index = index;
        public readonly ConcurrentDictionary<ClientAddress, Counter> Counters = new();
        public readonly long[] ByCode = new long[Codes.Length];
        public int Tracked;
        public long Untracked;

        public void Count(int code)
        {
            if (code >= 0) Interlocked.Increment(ref ByCode[code]);
        }

        /// <summary>The client's counter; null when this window already tracks as many addresses as it may.</summary>
        public Counter? Counter(ClientAddress client, int capacity)
        {
            if (Counters.TryGetValue(client, out var counter)) return counter;
            if (Interlocked.Increment(ref Tracked) > capacity)
            {
                Interlocked.Decrement(ref Tracked);
                return Counters.TryGetValue(client, out counter) ? counter : null;
            }
            var fresh = new Counter();
            if (Counters.TryAdd(client, fresh)) return fresh;
            // Another request added this client first: its counter is the one, and the slot is given back.
            Interlocked.Decrement(ref Tracked);
            return Counters[client];
        }

        /// <summary>Time left until this window ends: what Retry-After says (rounded up to whole seconds by the caller).</summary>
        public TimeSpan Remaining(DateTimeOffset now)
        {
            var end = new DateTimeOffset((Index + 1) * WindowLength.Ticks, TimeSpan.Zero);
            var left = end - now;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }
}
