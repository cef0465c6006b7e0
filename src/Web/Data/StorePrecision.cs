namespace FieldCamp.Web.Data;

/// <summary>
/// Instants are kept to the whole microsecond, the finest PostgreSQL stores (SQLite's text would keep 100 ns). The app's
/// clock, the instants the API reads and every saved value are cut to it, so an instant the app answers with before
/// saving reads back the same afterwards, on either store.
/// </summary>
public static class StorePrecision
{
    public static DateTime Truncate(DateTime value) => value.AddTicks(-(value.Ticks % TimeSpan.TicksPerMicrosecond));

    public static DateTimeOffset Truncate(DateTimeOffset value) => value.AddTicks(-(value.Ticks % TimeSpan.TicksPerMicrosecond));
}

/// <summary>A clock that tells the time to the whole microsecond (<see cref="StorePrecision"/>); timers and timestamps are the inner clock's.</summary>
public sealed class MicrosecondTimeProvider(TimeProvider inner) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => StorePrecision.Truncate(inner.GetUtcNow());

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
