using System.Collections.Concurrent;

namespace FieldCamp.Web.Auth;

/// <summary>
/// A bounded set of digests known not to belong to any key: two generations, each up to half the capacity.
/// When the newer fills up, the older is dropped, so the set keeps roughly the most recent misses.
/// </summary>
/// <remarks>
/// A digest can only turn from unknown to known if someone presented a secret before it was generated, which
/// 256 random bits rule out; so a remembered miss never hides a key created later, even by another process.
/// </remarks>
internal sealed class UnknownKeySet(int capacity)
{
    private readonly int _generationSize = Math.Max(1, capacity / 2);
    private ConcurrentDictionary<KeyDigest, byte> _current = new();
    private ConcurrentDictionary<KeyDigest, byte> _previous = new();
    private readonly Lock _rollover = new();

    public bool Contains(KeyDigest digest) => _current.ContainsKey(digest) || _previous.ContainsKey(digest);

    public void Add(KeyDigest digest)
    {
        _current.TryAdd(digest, 0);
        if (_current.Count < _generationSize) return;
        lock (_rollover)
        {
            if (_current.Count < _generationSize) return;
            _previous = _current;
            _current = new();
        }
    }

    public void Remove(KeyDigest digest)
    {
        _current.TryRemove(digest, out _);
        _previous.TryRemove(digest, out _);
    }
}
