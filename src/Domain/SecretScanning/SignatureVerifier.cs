using System.Security.Cryptography;

namespace FieldCamp.Domain.SecretScanning;

/// <summary>A public key a secret scanner signs its reports with, as configured: its identifier and PEM text.</summary>
public sealed record TrustedPublicKey(string Identifier, string Pem);

public enum SignatureCheck
{
    Valid,
    /// <summary>No identifier or no signature header, or a signature that is not base64.</summary>
    Missing,
    /// <summary>An identifier none of the configured keys has.</summary>
    UnknownKey,
    /// <summary>The signature does not verify over the body with that key.</summary>
    Invalid,
}

/// <summary>
/// Checks a secret scanner's signature in GitHub's partner format: ECDSA over P-256 with SHA-256, computed over the raw
/// request body, sent base64-encoded as an ASN.1 DER sequence, with the identifier of the key that made it. The body
/// must be verified byte for byte as it arrived: parsing and re-serializing it first would let a changed body pass.
/// </summary>
public sealed class SignatureVerifier : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A key is not a PEM-encoded P-256 public key, or an identifier repeats.</exception>
    public SignatureVerifier(IEnumerable<TrustedPublicKey> trusted)
    {
        foreach (var key in trusted)
        {
            if (string.IsNullOrWhiteSpace(key.Identifier))
                throw new ArgumentException("Every trusted public key needs an Identifier.");
            var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportFromPem(key.Pem);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                ecdsa.Dispose();
                throw new ArgumentException($"The trusted public key '{key.Identifier}' is not a PEM-encoded public key.", ex);
            }
            if (ecdsa.KeySize != 256)
            {
                ecdsa.Dispose();
                throw new ArgumentException($"The trusted public key '{key.Identifier}' is not a P-256 key.");
            }
            if (!_keys.TryAdd(key.Identifier.Trim(), ecdsa))
            {
                ecdsa.Dispose();
                throw new ArgumentException($"The trusted public key '{key.Identifier}' is listed twice.");
            }
        }
    }

    public bool HasKeys => _keys.Count > 0;

    public SignatureCheck Verify(string? identifier, string? signatureBase64, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(identifier) || string.IsNullOrWhiteSpace(signatureBase64)) return SignatureCheck.Missing;
        if (!_keys.TryGetValue(identifier.Trim(), out var key)) return SignatureCheck.UnknownKey;
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureBase64.Trim());
        }
        catch (FormatException)
        {
            return SignatureCheck.Missing;
        }
        try
        {
            // One key object serves every request; the platform does not promise it is safe to share between threads.
            lock (key)
                return key.VerifyData(body, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                    ? SignatureCheck.Valid
                    : SignatureCheck.Invalid;
        }
        catch (CryptographicException)
        {
            // A signature that is not a DER sequence at all.
            return SignatureCheck.Invalid;
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values) key.Dispose();
    }
}
