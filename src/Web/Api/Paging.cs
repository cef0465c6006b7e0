using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.DataProtection;

namespace FieldCamp.Web.Api;

/// <summary>Query-string paging: <c>limit</c> (1–100 unless the list allows more, default 50) and an opaque <c>cursor</c> from the previous page.</summary>
internal static class Paging
{
    public const int DefaultLimit = 50;
    /// <summary>The same, as the parameters (text, parsed here) declare it for the OpenAPI document.</summary>
    public const string DefaultLimitText = "50";
    public const int MaxLimit = 100;
    public const int MaxCursorLength = 512;

    public const string GarbledCursor = "Pass the nextCursor of a previous page.";
    public const string OtherListsCursor = "This cursor belongs to another list; pass the nextCursor this list gave.";

    // What the OpenAPI document says of the paging parameters, given on each list's parameters with [Description].
    public const string LimitText = "How many records a page holds.";
    public const string CursorText = "The `nextCursor` of the previous page, as it was given; leave it out for the first page.";
    public const string UpdatedSinceText = "Only records changed at or after this instant: an ISO 8601 date and time with a time zone offset, "
        + "such as `2026-12-01T09:30:00Z` (send a `+` offset as `%2B`).";

    /// <summary>
    /// Checks both values; <paramref name="take"/> is the page size to use and <paramref name="after"/> the position the
    /// cursor carries (the last id of the previous page), null on the first page. The limit arrives as text and is parsed
    /// here, so "?limit=abc" gets the same plain message as "?limit=0" instead of the framework's binding error.
    /// </summary>
    public static Dictionary<string, string[]> Validate(string? limit, string? cursor, ListCursors list, out int take, out string? after,
        int maxLimit = MaxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        take = DefaultLimit;
        after = null;
        if (limit is not null)
        {
            if (TryParseInt(limit, out var parsed) && parsed >= 1 && parsed <= maxLimit) take = parsed;
            else errors["limit"] = [$"Choose a limit between 1 and {maxLimit}."];
        }
        if (cursor is not null)
        {
            var reading = cursor.Length is 0 or > MaxCursorLength ? CursorReading.Garbled : list.Read(cursor, out after);
            if (reading == CursorReading.Garbled) errors["cursor"] = [GarbledCursor];
            else if (reading == CursorReading.OtherList) errors["cursor"] = [OtherListsCursor];
        }
        return errors;
    }

    /// <summary>A whole number written plainly (digits, an optional sign); no spaces, thousands separators or exponents.</summary>
    public static bool TryParseInt(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>The page, and a cursor to the next one when there is more: the position of its last row, issued for <paramref name="list"/>.</summary>
    public static Page<T> ToPage<T>(List<T> rowsPlusOne, int limit, ListCursors list, Func<T, string> positionOf) =>
        rowsPlusOne.Count > limit
            ? new Page<T>(rowsPlusOne[..limit], list.Issue(positionOf(rowsPlusOne[limit - 1])))
            : new Page<T>(rowsPlusOne, null);
}

internal enum CursorReading { Valid, Garbled, OtherList }

/// <summary>
/// Makes and reads paging cursors. A cursor is the position in a list (the last id of a page) sealed with Data
/// Protection together with a digest of the list it belongs to: the caller's company and branch and the list's path.
/// Sealed, it can be neither read nor made up; bound, a cursor of one branch's or resource's list is refused by another
/// rather than quietly paging it from somewhere else.
/// </summary>
internal sealed class PageCursors(IDataProtectionProvider protection)
{
    public const string ProtectionPurpose = "FieldCamp.Api.PageCursor.v1";

    private readonly IDataProtector _protector = protection.CreateProtector(ProtectionPurpose);

    /// <summary>The cursors of the list at <paramref name="path"/> (such as "clients" or "jobs/job_…/visits") as this caller sees it.</summary>
    public ListCursors For(ClaimsPrincipal user, string path)
    {
        var tenant = ApiCaller.From(user).Tenant;
        return new ListCursors(_protector, $"{tenant.CompanyId}/{tenant.BranchId}/{path.ToLowerInvariant()}");
    }
}

/// <summary>The cursors of one list: what <see cref="PageCursors.For"/> returns.</summary>
internal sealed class ListCursors(IDataProtector protector, string list)
{
    private const int DigestBytes = 16;
    private readonly byte[] _digest = SHA256.HashData(Encoding.UTF8.GetBytes(list))[..DigestBytes];

    public string Issue(string position)
    {
        var plain = new byte[DigestBytes + Encoding.UTF8.GetByteCount(position)];
        _digest.CopyTo(plain, 0);
        Encoding.UTF8.GetBytes(position, plain.AsSpan(DigestBytes));
        return Base64Url.EncodeToString(protector.Protect(plain));
    }

    public CursorReading Read(string cursor, out string? position)
    {
        position = null;
        byte[] plain;
        try
        {
            plain = protector.Unprotect(Base64Url.DecodeFromChars(cursor));
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return CursorReading.Garbled;
        }
        if (plain.Length <= DigestBytes) return CursorReading.Garbled;
        if (!plain.AsSpan(0, DigestBytes).SequenceEqual(_digest)) return CursorReading.OtherList;
        position = Encoding.UTF8.GetString(plain, DigestBytes, plain.Length - DigestBytes);
        return CursorReading.Valid;
    }
}
