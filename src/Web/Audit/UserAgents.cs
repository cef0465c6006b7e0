using System.Text.RegularExpressions;

namespace FieldCamp.Web.Audit;

/// <summary>A user agent as a few words ("Chrome 156 on Linux", "curl 8.5"); the full string stays one hover away.</summary>
public static partial class UserAgents
{
    public static string Short(string userAgent)
    {
        var browser = Match(EdgeRegex(), "Edge") ?? Match(FirefoxRegex(), "Firefox") ?? Match(ChromeRegex(), "Chrome")
            ?? Match(SafariRegex(), "Safari") ?? Match(ToolRegex(), null);
        var os = userAgent switch
        {
            _ when userAgent.Contains("Android", StringComparison.Ordinal) => "Android",
            _ when userAgent.Contains("iPhone", StringComparison.Ordinal) || userAgent.Contains("iPad", StringComparison.Ordinal) => "iOS",
            _ when userAgent.Contains("Windows", StringComparison.Ordinal) => "Windows",
            _ when userAgent.Contains("Mac OS X", StringComparison.Ordinal) => "macOS",
            _ when userAgent.Contains("Linux", StringComparison.Ordinal) => "Linux",
            _ => null,
        };
        if (browser is null) return userAgent.Length <= 32 ? userAgent : userAgent[..31] + "…";
        return os is null ? browser : $"{browser} on {os}";

        string? Match(Regex regex, string? name)
        {
            var match = regex.Match(userAgent);
            if (!match.Success) return null;
            var version = match.Groups["v"].Value;
            return $"{name ?? match.Groups["n"].Value} {version}".Trim();
        }
    }

    [GeneratedRegex(@"Edg/(?<v>\d+)")] private static partial Regex EdgeRegex();
    [GeneratedRegex(@"Firefox/(?<v>\d+)")] private static partial Regex FirefoxRegex();
    [GeneratedRegex(@"Chrom(?:e|ium)/(?<v>\d+)")] private static partial Regex ChromeRegex();
    [GeneratedRegex(@"Version/(?<v>\d+)[^ ]* (?:Mobile/\S+ )?Safari/")] private static partial Regex SafariRegex();
    [GeneratedRegex(@"^(?<n>[A-Za-z][\w.-]*)/(?<v>[\d.]+)")] private static partial Regex ToolRegex();
}
