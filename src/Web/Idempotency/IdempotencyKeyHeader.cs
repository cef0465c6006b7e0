using Microsoft.Extensions.Primitives;

namespace FieldCamp.Web.Idempotency;

/// <summary>
/// Reads the <c>Idempotency-Key</c> header: 1–255 printable ASCII characters, bare (<c>abc</c>, no comma) or in the
/// IETF draft's structured-field string form (<c>"abc"</c>, with <c>\"</c> and <c>\\</c> escapes). Both forms name
/// the same key.
/// </summary>
internal static class IdempotencyKeyHeader
{
    public const string Name = "Idempotency-Key";

    public const string Rule = "Send one Idempotency-Key of 1 to 255 printable ASCII characters, in double quotes if it holds a comma.";

    public static bool TryParse(StringValues values, out string key)
    {
        key = "";
        if (values.Count != 1 || values[0] is not { } raw) return false;
        var value = raw.AsSpan().Trim(" \t");
        // A quote at one end only is a quoted key cut short, not a key that happens to start with a quote.
        if (value.StartsWith('"') || value.EndsWith('"'))
            return value.Length >= 2 && value[0] == '"' && value[^1] == '"' && TryUnquote(value[1..^1], out key);
        // A bare comma is where HTTP joins two header lines into one: "a, b" is two keys, not one.
        if (!IsPrintable(value) || value.Contains(',')) return false;
        key = value.ToString();
        return true;
    }

    private static bool TryUnquote(ReadOnlySpan<char> inner, out string key)
    {
        key = "";
        var unquoted = new System.Text.StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (c == '"') return false;
            if (c == '\\')
            {
                if (++i == inner.Length || inner[i] is not ('"' or '\\')) return false;
                c = inner[i];
            }
            unquoted.Append(c);
        }
        if (!IsPrintable(unquoted.ToString())) return false;
        key = unquoted.ToString();
        return true;
    }

    private static bool IsPrintable(ReadOnlySpan<char> key)
    {
        if (key.Length is 0 or > IdempotencyRecord.KeyMaxLength) return false;
        foreach (var c in key)
            if (c is < ' ' or > '~') return false;
        return true;
    }
}
