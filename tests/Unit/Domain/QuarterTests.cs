using FieldCamp.Domain.Oversight;

namespace FieldCamp.Tests.Unit.Domain;

public class QuarterTests
{
    private static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, DateTimeKind.Utc);

    [Fact]
    public void Containing_LastMinuteOfTheYearUtc_IsQ4OfThatYear()
    {
        Assert.Equal(new Quarter(2026, 4), Quarter.Containing(Utc(2026, 12, 31, 23, 59, 59)));
    }

    [Fact]
    public void Containing_FirstInstantOfTheYearUtc_IsQ1OfTheNext()
    {
        Assert.Equal(new Quarter(2027, 1), Quarter.Containing(Utc(2027, 1, 1)));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(6, 2)]
    [InlineData(7, 3)]
    [InlineData(9, 3)]
    [InlineData(10, 4)]
    public void Containing_MonthBoundaries_GiveTheCalendarQuarter(int month, int number)
    {
        Assert.Equal(number, Quarter.Containing(Utc(2026, month, 15)).Number);
    }

    [Fact]
    public void Containing_InAZoneAheadOfUtc_MovesToTheNextQuarterBeforeUtcDoes()
    {
        // 2026-12-31 12:00 UTC is already 2027-01-01 01:00 in Auckland (UTC+13 in summer).
        var auckland = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
        var instant = Utc(2026, 12, 31, 12);

        Assert.Equal(new Quarter(2026, 4), Quarter.Containing(instant));
        Assert.Equal(new Quarter(2027, 1), Quarter.Containing(instant, auckland));
    }

    [Fact]
    public void StartUtc_InAZone_IsLocalMidnightOfTheFirstDay()
    {
        var auckland = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Auckland");
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

        Assert.Equal(Utc(2027, 1, 1), new Quarter(2027, 1).StartUtc());
        Assert.Equal(Utc(2026, 12, 31, 11), new Quarter(2027, 1).StartUtc(auckland));
        Assert.Equal(Utc(2027, 1, 1, 5), new Quarter(2027, 1).StartUtc(newYork));
    }

    [Fact]
    public void EndUtc_IsTheNextQuartersStart()
    {
        var q4 = new Quarter(2026, 4);

        Assert.Equal(Utc(2026, 10, 1), q4.StartUtc());
        Assert.Equal(Utc(2027, 1, 1), q4.EndUtc());
        Assert.True(q4.Contains(Utc(2026, 12, 31, 23, 59, 59)));
        Assert.False(q4.Contains(Utc(2027, 1, 1)));
        Assert.Equal(new Quarter(2027, 1), q4.Next);
        Assert.Equal(new Quarter(2026, 4), new Quarter(2027, 1).Previous);
    }

    [Fact]
    public void IsInLastDays_TheLast30DaysOnly()
    {
        var q4 = new Quarter(2026, 4);

        Assert.False(q4.IsInLastDays(Utc(2026, 12, 1, 23, 59)));
        Assert.True(q4.IsInLastDays(Utc(2026, 12, 2)));
        Assert.True(q4.IsInLastDays(Utc(2026, 12, 31, 23, 59)));
        Assert.False(q4.IsInLastDays(Utc(2027, 1, 1)));
    }

    [Theory]
    [InlineData("2026-Q4", true)]
    [InlineData("2026-Q1", true)]
    [InlineData("2026-Q5", false)]
    [InlineData("2026-Q0", false)]
    [InlineData("26-Q1", false)]
    [InlineData("2026-q1", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void TryParse_ReadsWhatToStringWrites(string? text, bool valid)
    {
        Assert.Equal(valid, Quarter.TryParse(text, out var quarter));
        if (valid) Assert.Equal(text, quarter.ToString());
    }
}
