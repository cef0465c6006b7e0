using System.Globalization;
using System.Text.RegularExpressions;

namespace FieldCamp.Domain.Oversight;

/// <summary>
/// A calendar quarter (Q1 = January–March). Quarters are UTC unless a time zone is given: a company in Auckland whose
/// owners want "their" quarter passes its zone, and the quarter then starts at local midnight on the 1st.
/// </summary>
public readonly partial record struct Quarter
{
    /// <summary>How long before the quarter ends owners are reminded to finish its review.</summary>
    public static readonly TimeSpan ReminderWindow = TimeSpan.FromDays(30);

    public Quarter(int year, int number)
    {
        if (year is < 2000 or > 9998) throw new ArgumentOutOfRangeException(nameof(year), year, "A year between 2000 and 9998.");
        if (number is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(number), number, "A quarter is numbered 1 to 4.");
        (Year, Number) = (year, number);
    }

    public int Year { get; }
    public int Number { get; }

    /// <summary>The quarter that holds <paramref name="instantUtc"/>, in UTC or, when given, in <paramref name="zone"/>.</summary>
    public static Quarter Containing(DateTime instantUtc, TimeZoneInfo? zone = null)
    {
        if (instantUtc.Kind != DateTimeKind.Utc) throw new ArgumentException("Pass a UTC instant.", nameof(instantUtc));
        var local = zone is null ? instantUtc : TimeZoneInfo.ConvertTimeFromUtc(instantUtc, zone);
        return new Quarter(local.Year, (local.Month - 1) / 3 + 1);
    }

    /// <summary>The first instant of the quarter, as UTC.</summary>
    public DateTime StartUtc(TimeZoneInfo? zone = null) => ToUtc(new DateTime(Year, (Number - 1) * 3 + 1, 1), zone);

    /// <summary>The first instant after the quarter (the next one's start), as UTC.</summary>
    public DateTime EndUtc(TimeZoneInfo? zone = null) => Next.StartUtc(zone);

    public Quarter Next => Number == 4 ? new Quarter(Year + 1, 1) : new Quarter(Year, Number + 1);
    public Quarter Previous => Number == 1 ? new Quarter(Year - 1, 4) : new Quarter(Year, Number - 1);

    public bool Contains(DateTime instantUtc, TimeZoneInfo? zone = null) => instantUtc >= StartUtc(zone) && instantUtc < EndUtc(zone);

    /// <summary>True in the quarter's last 30 days, when an unfinished review deserves a reminder.</summary>
    public bool IsInLastDays(DateTime instantUtc, TimeZoneInfo? zone = null) =>
        Contains(instantUtc, zone) && EndUtc(zone) - instantUtc <= ReminderWindow;

    /// <summary>Reads "2026-Q4" (as <see cref="ToString"/> writes it); false for anything else.</summary>
    public static bool TryParse(string? text, out Quarter quarter)
    {
        quarter = default;
        if (text is null || QuarterPattern().Match(text) is not { Success: true } match) return false;
        var year = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        if (year is < 2000 or > 9998) return false;
        quarter = new Quarter(year, match.Groups[2].Value[0] - '0');
        return true;
    }

    public override string ToString() => $"{Year}-Q{Number}";

    /// <summary>"Q4 2026", as people read it.</summary>
    public string Label => $"Q{Number} {Year}";

    private static DateTime ToUtc(DateTime local, TimeZoneInfo? zone) =>
        zone is null ? DateTime.SpecifyKind(local, DateTimeKind.Utc) : TimeZoneInfo.ConvertTimeToUtc(local, zone);

    [GeneratedRegex(@"^([0-9]{4})-Q([1-4])$", RegexOptions.CultureInvariant)]
    private static partial Regex QuarterPattern();
}
