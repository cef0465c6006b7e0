using System.Collections.Concurrent;
using System.Net;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Usage;

/// <summary>Bound from <c>ApiKeys:Usage</c>.</summary>
public sealed class UsageOptions
{
    /// <summary>How long requests are tallied before they are written; "last used" lags by at most about this much.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the per-key request log is kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How many request log rows may wait in memory between two writes. Requests that would need a row beyond it are
    /// dropped (and reported) rather than let memory grow; requests alike within a second share one row.
    /// </summary>
    public int MaxPendingRows { get; set; } = 100_000;
}

/// <summary>What one request log row stands for: requests with a key, alike in all of this, within one second.</summary>
internal readonly record struct RequestKind(
    string KeyId, long Second, string Method, string Path, int Status, IPAddress? Ip, string? UserAgent, bool Authenticated,
    string? Origin);

/// <summary>A row of the request log as the writer takes it: the kind, how many requests, the first and the last.</summary>
internal readonly record struct RequestTally(RequestKind Kind, int Count, DateTime First, DateTime Last);

/// <summary>What one <c>ScopeUseDay</c> row counts: one key's requests that needed one scope on one UTC day.</summary>
internal readonly record struct ScopeUseKind(string KeyId, DateOnly Day, string Scope);

/// <summary>A scope's requests as the writer takes them: how many the key's scopes allowed, how many were refused for lacking it.</summary>
internal readonly record struct ScopeUseTally(ScopeUseKind Kind, int Allowed, int Refused);

/// <summary>Everything tallied between two writes.</summary>
internal sealed record UsageBatch(List<RequestTally> Requests, List<ScopeUseTally> ScopeUses);

/// <summary>
/// The request path's side of usage tracking. Each request adds one to the tally of its kind, in memory; no request
/// waits on the database. <see cref="UsageWriter"/> takes the tallies every <see cref="UsageOptions.FlushInterval"/>.
/// </summary>
/// <remarks>
/// Tallying where the request happens, instead of queueing every request, keeps memory bounded by the kinds of
/// requests rather than their rate, and keeps per-request objects from living long enough to burden the GC.
/// </remarks>
internal sealed class UsageRecorder(TimeProvider time, IOptions<UsageOptions> options)
{
    private const int MaxFieldLength = 512;

    private readonly int _maxPendingRows = options.Value.MaxPendingRows;
    private Tallies _open = new();
    private long _dropped;

    public void Record(string keyId, HttpContext context, bool authenticated)
    {
        var now = time.GetUtcNow().UtcTicks;
        var request = context.Request;
        var kind = new RequestKind(
            keyId,
            now / TimeSpan.TicksPerSecond,
            request.Method,
            // A key or token pasted into the address or the user agent never reaches the log (the query is not kept).
            Truncate(SecretText.Redact(request.Path.Value ?? "/")),
            context.Response.StatusCode,
            // The connection feature itself: context.Connection would build a wrapper around it for every request.
            context.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress,
            Truncate(SecretText.Redact(request.Headers.UserAgent.ToString())),
            authenticated,
            // Browsers send Origin on cross-origin calls: the key sits in a web page, where anyone can read it.
            request.Headers.Origin is { Count: > 0 } origin ? Truncate(SecretText.Redact(origin.ToString())) : null);

        while (true)
        {
            var open = Volatile.Read(ref _open);
            if (open.TryEnter())
            {
                try
                {
                    if (!open.TryAdd(kind, now, _maxPendingRows)) Interlocked.Increment(ref _dropped);
                    return;
                }
                finally
                {
                    open.Exit();
                }
            }
            // The writer took this set between our read and our entry; count in the new one.
        }
    }

    /// <summary>
    /// Counts one request against the scope its endpoint required: <paramref name="allowed"/> when the key's scopes
    /// covered it (whichever granted scope did: <c>*</c>, a write for a read), otherwise refused for lacking it.
    /// Called by the authorization result handler, where that verdict is known.
    /// </summary>
    public void RecordScope(string keyId, string scope, bool allowed)
    {
        var kind = new ScopeUseKind(keyId, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), scope);
        while (true)
        {
            var open = Volatile.Read(ref _open);
            if (open.TryEnter())
            {
                try
                {
                    open.AddScope(kind, allowed);
                    return;
                }
                finally
                {
                    open.Exit();
                }
            }
        }
    }

    /// <summary>Takes the request log's tallies so far (and drops the scope counts); for tests of the request log.</summary>
    public List<RequestTally> Take() => TakeAll().Requests;

    /// <summary>Takes every tally so far; requests from now on are tallied afresh. Called by the writer alone.</summary>
    public UsageBatch TakeAll()
    {
        var taken = Interlocked.Exchange(ref _open, new Tallies());
        taken.CloseAndWaitForAdds();
        return new UsageBatch(
            [.. taken.Counters.Select(pair => pair.Value.ToTally(pair.Key))],
            [.. taken.ScopeCounters.Select(pair => new ScopeUseTally(pair.Key, pair.Value.Allowed, pair.Value.Refused))]);
    }

    /// <summary>How many requests were dropped since the last call; the writer reports them.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    private static string Truncate(string value) => value.Length <= MaxFieldLength ? value : value[..MaxFieldLength];

    /// <summary>
    /// One set of counters, written by requests until the writer takes it. A request enters before it counts; the writer
    /// closes the set and waits for the requests already inside, so no count lands in a set after it has been read.
    /// </summary>
    private sealed class Tallies
    {
        public readonly ConcurrentDictionary<RequestKind, Counter> Counters = new();
        public readonly ConcurrentDictionary<ScopeUseKind, ScopeCounter> ScopeCounters = new();
        private int _rows;
        private int _inside;
        private volatile bool _closed;

        public bool TryEnter()
        {
            Interlocked.Increment(ref _inside); // a full fence: the writer either sees us inside, or we see it closed
            if (!_closed) return true;
            Exit();
            return false;
        }

        public void Exit() => Interlocked.Decrement(ref _inside);

        /// <summary>Counts the request; false when it would need a row beyond <paramref name="maxRows"/>.</summary>
        public bool TryAdd(RequestKind kind, long ticks, int maxRows)
        {
            if (!Counters.TryGetValue(kind, out var counter))
            {
                if (Interlocked.Increment(ref _rows) > maxRows) return false;
                counter = Counters.GetOrAdd(kind, static (_, at) => new Counter(at), ticks);
            }
            counter.Add(ticks);
            return true;
        }

        /// <summary>
        /// Counts the scope's request. Unbounded, unlike the log's rows: only keys that exist get here, and each has at
        /// most a row per scope and day, so a flood of requests adds counts, not rows.
        /// </summary>
        public void AddScope(ScopeUseKind kind, bool allowed)
        {
            if (!ScopeCounters.TryGetValue(kind, out var counter)) counter = ScopeCounters.GetOrAdd(kind, static _ => new ScopeCounter());
            counter.Add(allowed);
        }

        public void CloseAndWaitForAdds()
        {
            _closed = true;
            Interlocked.MemoryBarrier();
            var wait = new SpinWait();
            while (Volatile.Read(ref _inside) > 0) wait.SpinOnce();
        }
    }

    /// <summary>One kind's count and the time of its last request, updated without locks.</summary>
    private sealed class Counter(long firstTicks)
    {
        private readonly DateTime _first = new(firstTicks, DateTimeKind.Utc);
        private int _count;
        private long _lastTicks = firstTicks;

        public void Add(long ticks)
        {
            Interlocked.Increment(ref _count);
            long last;
            while (ticks > (last = Volatile.Read(ref _lastTicks)) && Interlocked.CompareExchange(ref _lastTicks, ticks, last) != last)
            {
            }
        }

        public RequestTally ToTally(RequestKind kind) => new(kind, _count, _first, new DateTime(_lastTicks, DateTimeKind.Utc));
    }

    /// <summary>One scope's allowed and refused counts for a key and day, updated without locks.</summary>
    private sealed class ScopeCounter
    {
        private int _allowed;
        private int _refused;

        public int Allowed => Volatile.Read(ref _allowed);
        public int Refused => Volatile.Read(ref _refused);

        public void Add(bool allowed)
        {
            if (allowed) Interlocked.Increment(ref _allowed);
            else Interlocked.Increment(ref _refused);
        }
    }
}
