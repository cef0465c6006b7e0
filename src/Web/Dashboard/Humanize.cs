namespace FieldCamp.Web.Dashboard;

/// <summary>Relative times as people say them: "3 hours ago", "in 12 days", "never".</summary>
public static class Humanize
{
    public static string Relative(DateTime? instant, DateTime nowUtc, string whenNull = "never")
    {
        if (instant is not { } at) return whenNull;
        var delta = at - nowUtc;
        var future = delta > TimeSpan.Zero;
        var span = future ? delta : -delta;
        var text = span switch
        {
            { TotalSeconds: < 45 } => null,
            { TotalMinutes: < 90 } => Plural((int)Math.Round(span.TotalMinutes), "minute"),
            { TotalHours: < 36 } => Plural((int)Math.Round(span.TotalHours), "hour"),
            { TotalDays: < 60 } => Plural((int)Math.Round(span.TotalDays), "day"),
            { TotalDays: < 730 } => Plural((int)Math.Round(span.TotalDays / 30.4), "month"),
            _ => Plural((int)Math.Round(span.TotalDays / 365.25), "year"),
        };
        return text is null ? "just now" : future ? $"in {text}" : $"{text} ago";
    }

    /// <summary>An absolute UTC time for tooltips and detail pages.</summary>
    public static string Exact(DateTime? instant) => instant?.ToString("yyyy-MM-dd HH:mm 'UTC'") ?? "—";

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
