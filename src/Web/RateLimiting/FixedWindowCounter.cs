using System.Threading.RateLimiting;

namespace FieldCamp.Web.RateLimiting;

/// <summary>
/// A fixed-window counter on the injected clock: at most <c>limit</c> permits per window, windows aligned on whole
/// multiples of the window length since the Unix epoch. The built-in <see cref="FixedWindowRateLimiter"/> runs on its
/// own timer and cannot say when its window ends; this one knows the end exactly, which the <c>RateLimit</c> and
/// <c>Retry-After</c> headers need, and tests can move its clock. No queueing: a request is admitted or refused now.
/// </summary>
internal sealed class FixedWindowCounter : RateLimiter
{
    private readonly int _limit;
    private readonly long _windowTicks;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private long _windowStart;
    private int _count;
    private long _admitted;
    private long _refused;
    private bool _disposed;
    private bool _retired;

    /// <summary>How long after its window a counter unused since then may be released.</summary>
    public static readonly TimeSpan ReleaseAfter = TimeSpan.FromSeconds(10);

    public FixedWindowCounter(int limit, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromSeconds(1));
        _limit = limit;
        _windowTicks = window.Ticks;
        _time = time;
        _windowStart = WindowStartOf(time.GetUtcNow().UtcTicks);
    }

    /// <summary>
    /// Null while the counter may still be needed; once it has been unused for <see cref="ReleaseAfter"/> past the end
    /// of its window (its count no longer matters), it retires and reports itself idle beyond any threshold, so
    /// <see cref="PartitionedRateLimiter"/> releases it on this very look.
    /// </summary>
    /// <remarks>
    /// Retiring is what keeps the limit exact. The partitioned limiter removes an idle counter from its table under its
    /// lock but disposes it later, outside; a request that fetched the counter just before could otherwise still be
    /// admitted on it (opening a new window there) while the next request gets a fresh counter for the same window:
    /// one permit too many. A retired counter admits nothing and throws <see cref="ObjectDisposedException"/>, so that
    /// request asks the partition again and lands on the fresh counter.
    /// </remarks>
    public override TimeSpan? IdleDuration
    {
        get
        {
            var now = _time.GetUtcNow().UtcTicks;
            lock (_gate)
            {
                if (!_retired && now - (_windowStart + _windowTicks) > ReleaseAfter.Ticks) _retired = true;
                return _retired ? TimeSpan.MaxValue : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = _limit - _count,
                TotalSuccessfulLeases = _admitted,
                TotalFailedLeases = _refused,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, _limit);
        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed || _retired, this);
            if (now >= _windowStart + _windowTicks)
            {
                _windowStart = WindowStartOf(now);
                _count = 0;
            }
            // Rounded up: a client that waits the whole seconds it is told is never early.
            var resetSeconds = (int)Math.Ceiling((double)(_windowStart + _windowTicks - now) / TimeSpan.TicksPerSecond);
            if (_count + permitCount <= _limit)
            {
                _count += permitCount;
                _admitted++;
                return new WindowLease(true, _limit - _count, resetSeconds);
            }
            _refused++;
            return new WindowLease(false, _limit - _count, resetSeconds);
        }
    }

    // Nothing waits: a caller over its limit is told when to come back instead.
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        new(AttemptAcquireCore(permitCount));

    /// <summary>True once released (by the partitioned limiter, when idle).</summary>
    public bool IsDisposed
    {
        get
        {
            lock (_gate) return _disposed;
        }
    }

    protected override void Dispose(bool disposing)
    {
        lock (_gate) _disposed = true;
    }

    private long WindowStartOf(long ticks) => ticks - (ticks - DateTime.UnixEpoch.Ticks) % _windowTicks;
}

/// <summary>
/// The answer of a <see cref="FixedWindowCounter"/>: admitted or not, the permits left in this window and the whole
/// seconds until it ends (also the standard <see cref="MetadataName.RetryAfter"/> when refused).
/// </summary>
internal sealed class WindowLease(bool isAcquired, int remaining, int resetSeconds) : RateLimitLease
{
    private static readonly string[] Names = [MetadataName.RetryAfter.Name];

    public override bool IsAcquired { get; } = isAcquired;

    public int Remaining { get; } = remaining;

    public int ResetSeconds { get; } = resetSeconds;

    public override IEnumerable<string> MetadataNames => IsAcquired ? [] : Names;

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (!IsAcquired && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = TimeSpan.FromSeconds(ResetSeconds);
            return true;
        }
        metadata = null;
        return false;
    }
}
