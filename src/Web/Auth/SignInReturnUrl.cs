namespace FieldCamp.Web.Auth;

/// <summary>Where the sign-in page sends a person afterwards: back to the page they asked for, if it is one of ours.</summary>
internal static class SignInReturnUrl
{
    public const string Default = "settings/developer/api-keys";

    /// <summary>
    /// The return address when it is a plain local path ("/settings/team?x=1"), else <see cref="Default"/> (relative to
    /// the app's base). Anything a browser could read as another site ("//evil", "/\evil", "https://evil",
    /// "javascript:") is refused, and so is anything outside printable ASCII: the address goes into the Location header,
    /// which cannot carry other characters (a non-ASCII one made the redirect throw, answering 500 after a correct
    /// password). Percent-encoded characters are fine.
    /// </summary>
    public static string Resolve(string? returnUrl) => IsLocalPath(returnUrl) ? returnUrl! : Default;

    public static bool IsLocalPath(string? url) =>
        url is { Length: > 0 and <= 2048 }
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && url.All(c => c is > ' ' and < '\u007f' and not '\\');
}
