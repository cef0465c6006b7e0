using System.Security.Cryptography;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Domain;

/// <summary>
/// Public ids such as <c>key_0TpXk2Mz4fB9qLr7Wx1Ns</c>: a type prefix, the creation time in milliseconds
/// (8 base62 digits) and 64 random bits (11 digits). Ordering ids as strings orders them by creation time,
/// which lets a list page by "the last id you saw" without a second sort column.
/// </summary>
public static class Ids
{
    public static string New(string prefix, DateTime nowUtc)
    {
        var millis = (ulong)(nowUtc - DateTime.UnixEpoch).TotalMilliseconds;
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        return $"{prefix}_{Base62.Encode(millis, 8)}{Base62.Encode(BitConverter.ToUInt64(random), 11)}";
    }
}
