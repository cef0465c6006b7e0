namespace FieldCamp.Tests.Unit.Domain;

/// <summary>
/// The real clock, moved forward on demand: both the time of day and the timestamps that measure intervals (which the
/// credential cache ages its entries by, and the outage log spaces its reports by) jump, while timers keep real time,
/// so the app's background loops go on polling as they would.
/// </summary>
internal sealed class SkippingClock : TimeProvider
{
    private long _skippedTicks;

    public void Skip(TimeSpan by) => Interlocked.Add(ref _skippedTicks, by.Ticks);

    private TimeSpan Skipped => TimeSpan.FromTicks(Interlocked.Read(ref _skippedTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Skipped;

    public override long GetTimestamp() => base.GetTimestamp() + (long)(Skipped.TotalSeconds * TimestampFrequency);
}
