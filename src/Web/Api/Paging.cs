using System.Globalization;

namespace FieldCamp.Web.Api;

/// <summary>Query-string paging: <c>limit</c> (1–100 unless the list allows more, default 50) and an opaque <c>cursor</c> from the previous page.</summary>
internal static class Paging
{
    public const int DefaultLimit = 50;
    /// <summary>The same, as the parameters (text, parsed here) declare it for the OpenAPI document.</summary>
    public const string DefaultLimitText = "50";
    public const int MaxLimit = 100;
    public const int MaxCursorLength = 64;

    // What the OpenAPI document says of the paging parameters, given on each list's parameters with [Description].
    public const string LimitText = "How many records a page holds.";
    public const string CursorText = "The `nextCursor` of the previous page, as it was given; leave it out for the first page.";
    public const string UpdatedSinceText = "Only records changed at or after this instant: an ISO 8601 date and time with a time zone offset, "
        + "such as `2026-12-01T09:30:00Z` (send a `+` offset as `%2B`).";

    /// <summary>
    /// Checks both values; <paramref name="take"/> is the page size to use. The limit arrives as text and is parsed
    /// here, so "?limit=abc" gets the same plain message as "?limit=0" instead of the framework's binding error.
    /// </summary>
    public static Dictionary<string, string[]> Validate(string? limit, string? cursor, Func<string, bool> isValidCursor, out int take,
        int maxLimit = MaxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        take = DefaultLimit;
        if (limit is not null)
        {
            if (TryParseInt(limit, out var parsed) && parsed >= 1 && parsed <= maxLimit) take = parsed;
            else errors["limit"] = [$"Choose a limit between 1 and {maxLimit}."];
        }
        if (cursor is not null && (cursor.Length is 0 or > MaxCursorLength || !isValidCursor(cursor)))
            errors["cursor"] = ["Pass the nextCursor of a previous page."];
        return errors;
    }

    /// <summary>A whole number written plainly (digits, an optional sign); no spaces, thousands separators or exponents.</summary>
    public static bool TryParseInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static Page<T> ToPage<T>(List<T> rowsPlusOne, int limit, Func<T, string> cursorOf) =>
        rowsPlusOne.Count > limit
            ? new Page<T>(rowsPlusOne[..limit], cursorOf(rowsPlusOne[limit - 1]))
            : new Page<T>(rowsPlusOne, null);
}
