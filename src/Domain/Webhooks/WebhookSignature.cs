using System.Security.Cryptography;
using System.Text;

namespace FieldCamp.Domain.Webhooks;

/// <summary>
/// Signs deliveries the way the Standard Webhooks specification describes, so a receiver using any of its libraries
/// verifies them unchanged: HMAC-SHA256 over <c>{id}.{timestamp}.{body}</c>, keyed by the bytes the base64 part of a
/// <c>whsec_</c> secret decodes to, written as <c>v1,&lt;base64&gt;</c>.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";
    public const string Version = "v1";

    /// <summary>The signature of one message with one secret: <c>v1,…</c>.</summary>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        var mac = HMACSHA256.HashData(KeyOf(secret), content);
        return $"{Version},{Convert.ToBase64String(mac)}";
    }

    /// <summary>
    /// The <c>webhook-signature</c> header value: one signature per secret, separated by spaces. During a rotation the
    /// old and the new secret both sign, so a receiver still holding the old one keeps accepting deliveries.
    /// </summary>
    public static string Header(IEnumerable<string> secrets, string messageId, long timestamp, string body) =>
        string.Join(' ', secrets.Select(secret => Sign(secret, messageId, timestamp, body)));

    /// <summary>The HMAC key: the base64 after <c>whsec_</c> (the prefix is optional, as in the reference libraries).</summary>
    public static byte[] KeyOf(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var encoded = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret;
        try
        {
            return Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            throw new ArgumentException("A webhook signing secret is whsec_ followed by base64.", nameof(secret));
        }
    }
}
