using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;

namespace FieldCamp.Domain.ApiKeys;

/// <summary>
/// The secret format: <c>fc_live_</c> + 43 base62 digits of 32 CSPRNG bytes + a 6-digit base62 CRC-32 of
/// everything before it (prefix included). The checksum lets a scanner, or our own hot path, throw away a
/// mistyped or invented string without looking anything up.
/// </summary>
public static class ApiKeySecret
{
    public const string LivePrefix = "fc_live_";
    public const int RandomBytes = 32;
    public const int RandomDigits = 43;   // 62^43 > 2^256
    public const int ChecksumDigits = 6;  // 62^6 > 2^32
    public const int Length = 57;         // 8 + 43 + 6
    public const int DigestBytes = 32;    // SHA-256

    private const int ChecksummedLength = Length - ChecksumDigits;

    public static string Generate()
    {
        Span<byte> random = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(random);
        var body = LivePrefix + Base62.Encode(random, RandomDigits);
        return body + Checksum(body);
    }

    /// <summary>The 6-digit checksum for the first 51 characters of a key.</summary>
    public static string Checksum(string checksummedPart) =>
        Base62.Encode(Crc32.HashToUInt32(Encoding.ASCII.GetBytes(checksummedPart)), ChecksumDigits);

    /// <summary>True when the candidate has the exact shape and a matching checksum. Allocation-free.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> candidate)
    {
        if (candidate.Length != Length || !candidate.StartsWith(LivePrefix, StringComparison.Ordinal))
            return false;
        var digits = candidate[LivePrefix.Length..];
        foreach (var c in digits)
            if (!Base62.IsDigit(c)) return false;

        Span<byte> ascii = stackalloc byte[ChecksummedLength];
        Encoding.ASCII.GetBytes(candidate[..ChecksummedLength], ascii);
        return Base62.TryDecode(candidate[ChecksummedLength..], out var claimed)
            && claimed == Crc32.HashToUInt32(ascii);
    }

    /// <summary>
    /// SHA-256 of the key's bytes. A fast hash is right here (unlike passwords): the secret carries 256 bits of
    /// randomness, so nothing can be guessed from the digest, and the hot path can afford it per request.
    /// </summary>
    public static byte[] ComputeDigest(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    /// <summary>Writes the digest of a well-formed key into <paramref name="destination"/> without allocating.</summary>
    public static void ComputeDigest(ReadOnlySpan<char> secret, Span<byte> destination)
    {
        Span<byte> ascii = stackalloc byte[Length];
        var written = Encoding.ASCII.GetBytes(secret, ascii);
        SHA256.HashData(ascii[..written], destination);
    }

    /// <summary>A non-secret reminder of which key this is: <c>fc_live_Ab3d…x9Qz</c>.</summary>
    public static string Hint(string secret) => $"{secret[..(LivePrefix.Length + 4)]}…{secret[^4..]}";
}
