namespace FieldCamp.Web.Api;

/// <summary>Query-string paging: <c>limit</c> (1–100, default 50) and an opaque <c>cursor</c> from the previous page.</summary>
internal static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;

    public static Dictionary<string, string[]> Validate(int? limit, string? cursor, Func<string, bool> isValidCursor)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"Choose a limit between 1 and {MaxLimit}."];
        if (cursor is not null && !isValidCursor(cursor)) errors["cursor"] = ["Pass the nextCursor of a previous page."];
        return errors;
    }

    public static Page<T> ToPage<T>(List<T> rowsPlusOne, int limit, Func<T, string> cursorOf) =>
        rowsPlusOne.Count > limit
            ? new Page<T>(rowsPlusOne[..limit], cursorOf(rowsPlusOne[limit - 1]))
            : new Page<T>(rowsPlusOne, null);
}
