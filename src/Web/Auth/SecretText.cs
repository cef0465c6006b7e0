using System.Text.RegularExpressions;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Removes credentials from text a client chose (a path, a query, a user agent) before it is stored or shown: a key
/// pasted into a URL must not end up in the request log, <c>/activity</c> or the audit trail.
/// </summary>
internal static partial class SecretText
{
    public const string Redacted = "[redacted]";

    /// <summary>The text with anything shaped like an API key or a JWT replaced; the same instance when there is none.</summary>
    public static string Redact(string text)
    {
        // Two vectorized searches first: almost every request has neither, and pays no regular expression.
        if (!text.Contains(ApiKeySecret.LivePrefix, StringComparison.OrdinalIgnoreCase) && !text.Contains("eyJ", StringComparison.Ordinal))
            return text;
        return SecretRegex().Replace(text, Redacted);
    }

    public static string? RedactOrNull(string? text) => text is null ? null : Redact(text);

    // A key: the prefix and the 49 letters and digits a key has after it (ApiKeySecret.Length less the prefix), with
    // whatever lies between them: a key split by "/", "-", "%2F", a space or anything else loses every character, the
    // separators with them. A cut or mistyped key is still someone's secret, so it goes too, with whatever letters
    // follow it, up to 49 in all: that costs a log line some words, never a secret. A JWT: three base64url parts, the
    // first a JSON header ("{" encodes as "eyJ"); the signature may be empty (alg none). Case is ignored only in the
    // prefixes, so the classes mean exactly the ASCII letters and digits.
    [GeneratedRegex(@"(?i:fc_live_)(?:(?:%[0-9A-Fa-f]{2}|[^A-Za-z0-9])*[A-Za-z0-9]){0,49}|(?i:eyJ)[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
        RegexOptions.CultureInvariant)]
    private static partial Regex SecretRegex();
}
