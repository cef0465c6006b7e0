using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.RateLimiting;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The counters behind the limits: exact fixed windows on the app's clock, and released once idle so memory follows the
/// keys in use rather than every key ever seen, and never so that a window admits one request too many. The partitioned
/// limiter releases on its own timer (every 100 ms, counters reporting themselves idle over 10 s); the tests move the
/// app clock and then wait, generously, for that timer.
/// </summary>
public sealed class RateLimiterPartitionTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 3, 10, 0, 17, TimeSpan.Zero));

    [Fact]
    public void Counter_AdmitsTheLimitPerWindow_TellsWhenTheWindowEnds()
    {
        using var counter = new FixedWindowCounter(2, Minute, _clock);

        var first = (WindowLease)counter.AttemptAcquire();
        var second = (WindowLease)counter.AttemptAcquire();
        _clock.Advance(TimeSpan.FromMilliseconds(1500));
        var third = (WindowLease)counter.AttemptAcquire();

        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.Equal((1, 43), (first.Remaining, first.ResetSeconds));
        Assert.False(third.IsAcquired);
        Assert.Equal(0, third.Remaining);
        Assert.True(third.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(42), retryAfter); // 41.5 s rounded up

        _clock.Advance(TimeSpan.FromSeconds(41.5));
        Assert.True(counter.AttemptAcquire().IsAcquired);
    }

    [Fact]
    public void Counter_IdleOnlyTenSecondsAfterItsWindowHasEnded()
    {
        using var counter = new FixedWindowCounter(5, Minute, _clock);
        counter.AttemptAcquire();

        Assert.Null(counter.IdleDuration);
        _clock.Advance(TimeSpan.FromSeconds(53)); // the window ended 10 s ago
        Assert.Null(counter.IdleDuration);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(counter.IdleDuration);
    }

    [Fact]
    public void Counter_SeenIdle_AdmitsNothingMore()
    {
        using var counter = new FixedWindowCounter(1, Minute, _clock);
        Assert.True(counter.AttemptAcquire().IsAcquired);
        _clock.Advance(TimeSpan.FromSeconds(43 + 11));

        // The partitioned limiter has looked and will release it; a request that fetched it just before may not count
        // on it (its next window would run beside the fresh counter's), but must ask the partition again.
        Assert.NotNull(counter.IdleDuration);
        Assert.Throws<ObjectDisposedException>(() => counter.AttemptAcquire());
    }

    [Fact]
    public async Task RequestRacingTheRelease_NeverOneOverTheLimitInTheNextWindow()
    {
        var counters = new ConcurrentBag<FixedWindowCounter>();
        using var partitions = new RateLimitPartitions(Minute, _clock, counters.Add);
        var key = new RateLimitPartitionKey(true, "key_race", 1);
        Assert.True(partitions.Limiter.AttemptAcquire(key).IsAcquired);
        var old = Assert.Single(counters);
        _clock.Advance(TimeSpan.FromSeconds(43 + 11));

        // The race: the limiter finds the counter idle and removes it, while a request that fetched it just before counts.
        Assert.NotNull(old.IdleDuration);
        Assert.Throws<ObjectDisposedException>(() => old.AttemptAcquire());
        await Http.EventuallyAsync(() => Task.FromResult(old.IsDisposed), Generous, "the retired counter released");

        // Asked again, the partition has a fresh counter: the new window admits its limit and no more.
        Assert.True(partitions.Limiter.AttemptAcquire(key).IsAcquired);
        Assert.False(partitions.Limiter.AttemptAcquire(key).IsAcquired);
        Assert.Equal(2, counters.Count);
    }

    [Fact]
    public async Task HundredThousandKeys_AllReleasedOnceIdle()
    {
        var counters = new ConcurrentBag<FixedWindowCounter>();
        using var partitions = new RateLimitPartitions(Minute, _clock, counters.Add);
        for (var i = 0; i < 100_000; i++)
            Assert.True(partitions.Limiter.AttemptAcquire(new RateLimitPartitionKey(true, $"key_{i}", 100)).IsAcquired);
        Assert.Equal(100_000, counters.Count);

        _clock.Advance(TimeSpan.FromSeconds(43 + 11)); // window over, then idle beyond the limiter's ten seconds

        await Http.EventuallyAsync(() => Task.FromResult(counters.All(c => c.IsDisposed)), Generous, "every idle counter released");
    }

    [Fact]
    public async Task CounterInItsWindow_NeverReleased_CountKept()
    {
        var counters = new ConcurrentBag<FixedWindowCounter>();
        using var partitions = new RateLimitPartitions(Minute, _clock, counters.Add);
        var busy = new RateLimitPartitionKey(false, "company_busy", 3);
        var idle = new RateLimitPartitionKey(false, "company_idle", 3);
        partitions.Limiter.AttemptAcquire(idle);
        _clock.Advance(TimeSpan.FromSeconds(43 + 11));
        for (var i = 0; i < 3; i++) Assert.True(partitions.Limiter.AttemptAcquire(busy).IsAcquired);

        // Once the idle one is gone, the limiter's timer has looked at the busy one too.
        await Http.EventuallyAsync(() => Task.FromResult(counters.Count(c => c.IsDisposed) == 1), Generous, "the idle counter released");

        Assert.False(partitions.Limiter.AttemptAcquire(busy).IsAcquired);
    }
}
