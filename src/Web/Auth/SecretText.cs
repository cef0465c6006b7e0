using System.Buffers;
using System.Text.RegularExpressions;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Webhooks;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Removes credentials from text a client chose (a path, a query, a user agent) before it is stored or shown: a key
/// pasted into a URL must not end up in the request log, <c>/activity</c> or the audit trail.
/// </summary>
internal static partial class SecretText
{
    public const string Redacted = "[redacted]";

    // Both prefixes in one vectorized search.
    private static readonly SearchValues<string> Prefixes =
        SearchValues.Create([ApiKeySecret.LivePrefix, WebhookSecrets.Prefix], StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The text with anything shaped like an API key, a webhook signing secret or a JWT replaced; the same instance
    /// when there is none.
    /// </summary>
    public static string Redact(string text)
    {
        // Two vectorized searches first: almost every request has none, and pays no regular expression.
        if (!text.AsSpan().ContainsAny(Prefixes) && !text.Contains("eyJ", StringComparison.Ordinal))
            return text;
        return SecretRegex().Replace(text, Redacted);
    }

    public static string? RedactOrNull(string? text) => text is null ? null : Redact(text);

    // A key: the prefix and the 49 letters and digits a key has after it (ApiKeySecret.Length less the prefix), with
    // whatever lies between them: a key split by "/", "-", "%2F", a space or anything else loses every character, the
    // separators with them. A cut or mistyped key is still someone's secret, so it goes too, with whatever letters
    // follow it, up to 49 in all: that costs a log line some words, never a secret. A JWT: three base64url parts, the
    // first a JSON header ("{" encodes as "eyJ"); the signature may be empty (alg none). Case is ignored only in the
    // prefixes, so the classes mean exactly the ASCII letters and digits. A webhook signing secret: "whsec_" and its
    // base64 (standard or URL-safe, "+", "/" and "=" possibly percent-encoded), up to 64 bytes' worth (the Standard
    // Webhooks maximum) and its padding; the padding ends it, so a whole secret takes no path segment after it.
    [GeneratedRegex(@"(?i:fc_live_)(?:(?:%[0-9A-Fa-f]{2}|[^A-Za-z0-9])*[A-Za-z0-9]){0,49}"
        + @"|(?i:whsec_)(?:[A-Za-z0-9+/_-]|%2[BbFf]){0,86}(?:=|%3[Dd]){0,2}"
        + @"|(?i:eyJ)[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
        RegexOptions.CultureInvariant)]
    private static partial Regex SecretRegex();
}
