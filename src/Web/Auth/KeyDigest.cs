using System.Runtime.InteropServices;

namespace FieldCamp.Web.Auth;

/// <summary>A SHA-256 key digest as a value type, so the hot path can look keys up without allocating.</summary>
internal readonly struct KeyDigest : IEquatable<KeyDigest>
{
    private readonly ulong _a, _b, _c, _d;

    private KeyDigest(ReadOnlySpan<ulong> words) => (_a, _b, _c, _d) = (words[0], words[1], words[2], words[3]);

    public static KeyDigest From(ReadOnlySpan<byte> sha256) => new(MemoryMarshal.Cast<byte, ulong>(sha256[..32]));

    // Equality here only finds the cache slot; the handler still compares the full digest in constant time.
    public bool Equals(KeyDigest other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is KeyDigest other && Equals(other);
    public override int GetHashCode() => (int)_a; // SHA-256 output is already uniformly distributed
}
