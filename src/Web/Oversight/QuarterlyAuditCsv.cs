using System.Globalization;
using FieldCamp.Domain.Oversight;
using FieldCamp.Web.Export;

namespace FieldCamp.Web.Oversight;

/// <summary>The review as a spreadsheet: one row per key, the decision and the note included.</summary>
internal static class QuarterlyAuditCsv
{
    public static readonly IReadOnlyList<string> Header =
    [
        "Quarter", "Branch", "Key id", "Key name", "Status", "Owner", "Created", "Last used", "Dormant 60+ days", "Expires",
        "Scopes granted", "Scopes used (90 days)", "Suggested scopes", "Created or rotated this quarter", "Decision", "Note",
        "Decided by", "Decided at",
    ];

    public static byte[] Write(ReviewView review) =>
        CsvExport.Write(Header, review.Rows.Select(row => (IReadOnlyList<string?>)
        [
            review.Quarter.ToString(),
            row.BranchName,
            row.KeyId,
            row.Name,
            row.Status.ToString().ToLowerInvariant(),
            row.OwnerEmail,
            Instant(row.CreatedAt),
            Instant(row.LastUsedAt),
            row.Dormant ? "yes" : "no",
            Instant(row.ExpiresAt),
            string.Join(' ', row.Granted),
            string.Join(' ', row.Use.Used),
            row.Use.SuggestsRevocation ? "(unused: revoke)" : string.Join(' ', row.Use.Suggested),
            row.ChangedThisQuarter is { } change ? $"{change.What} {Instant(change.At)}" : "no",
            row.Decision is { } decision ? QuarterlyReview.Label(decision) : "",
            row.Note,
            row.DecidedBy,
            Instant(row.DecidedAt),
        ]));

    public static string FileName(string companySlug, Quarter quarter) => $"fieldcamp-{companySlug}-key-review-{quarter}.csv";

    private static string Instant(DateTime? instant) => instant?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
}
