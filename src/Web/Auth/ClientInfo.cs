namespace FieldCamp.Web.Auth;

/// <summary>
/// The client of a request as the audit trail records it: its address and its user agent, cut to the length the store
/// keeps. One place, so that the API, the sign-in pages and the dashboard's circuit describe a client the same way.
/// </summary>
internal static class ClientInfo
{
    public const int MaxUserAgentLength = 512;

    public static string? Ip(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    // A key pasted into a user agent is redacted: the audit trail shows this text to every owner.
    public static string? UserAgent(HttpContext context) => Truncate(SecretText.Redact(context.Request.Headers.UserAgent.ToString()));

    /// <summary>Null for an empty user agent, else at most <see cref="MaxUserAgentLength"/> characters of it.</summary>
    public static string? Truncate(string? userAgent) =>
        string.IsNullOrEmpty(userAgent) ? null : userAgent[..Math.Min(userAgent.Length, MaxUserAgentLength)];
}
