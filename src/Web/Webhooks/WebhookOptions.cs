using System.Security.Cryptography;

namespace FieldCamp.Web.Webhooks;

/// <summary>Section <c>Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Lets endpoints use <c>http://</c> and loopback, private, link-local or metadata addresses. Off by default: a
    /// self-hosted server must not become a way into its own network. For local development and tests only.
    /// </summary>
    public bool AllowInsecureTargets { get; set; }
}

/// <summary>Signing secrets in the Standard Webhooks form, <c>whsec_</c> and base64 of 32 random bytes.</summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";

    /// <summary>The Data Protection purpose that encrypts secrets at rest (they must be read back to sign).</summary>
    public const string ProtectionPurpose = "FieldCamp.Webhooks.SigningSecret";

    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
