namespace FieldCamp.Tests.Unit.Domain;

/// <summary>
/// A clock the test moves by hand. Microsoft.Extensions.TimeProvider.Testing has no 10.0.x release on the
/// package feed (only 8.10, 9.10 and 10.11), so this stands in for its FakeTimeProvider.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    // Whole microseconds, as the app's clock and its store keep time.
    private DateTimeOffset _now = FieldCamp.Web.Data.StorePrecision.Truncate(start);

    /// <summary>
    /// Ten seconds into the current minute, standing still: the rate limit and failed-credential windows are clock
    /// minutes, so requests a test sends then all fall in one window however long the test takes, and Retry-After is
    /// exactly the 50 s left of it.
    /// </summary>
    public static ManualTimeProvider AtSecond10OfThisMinute()
    {
        var now = DateTimeOffset.UtcNow;
        return new ManualTimeProvider(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 10, TimeSpan.Zero));
    }

    public override DateTimeOffset GetUtcNow() => _now;

    public DateTime UtcNow => _now.UtcDateTime;

    public void Advance(TimeSpan by) => _now += by;

    public void SetUtcNow(DateTimeOffset value) => _now = FieldCamp.Web.Data.StorePrecision.Truncate(value);
}
