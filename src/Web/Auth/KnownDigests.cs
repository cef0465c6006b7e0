using System.Buffers.Binary;
using System.Collections.Concurrent;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Auth;

/// <summary>
/// The first 8 bytes of every key digest this process knows exists, in memory, and the one way a digest it does not
/// know is looked up: by its full value, in batches, one query at a time.
/// </summary>
/// <remarks>
/// <para>Keys created elsewhere (the command line, another instance) must work on their first request, and keys can be
/// deleted (with their branch: the foreign key cascades), so nothing here relies on how the store numbers rows. A digest
/// missing from memory is looked up by value (<c>SecretHash IN (...)</c> on the unique index) by a query that starts
/// after the request arrived. Misses that arrive while a query runs wait for the next one, which takes up to
/// <see cref="BatchSize"/> of them: however many invented keys arrive, there is one small query at a time. At most
/// <see cref="MaxWaiting"/> digests wait; beyond that a miss is refused with <see cref="KeyLookupBusyException"/>, so a
/// flood costs bounded memory.</para>
/// <para>The digests that existed at start-up are read in the background (<see cref="KnownDigestsLoader"/>) into one
/// sorted array, 8 bytes a key (a dictionary node would be 40 or more); keys met since then go to a small concurrent
/// set. Requests never wait for that read: until it ends, a key is found by the lookup above, and
/// <c>/health/ready</c> says the instance is not ready (<see cref="KnownDigestsHealthCheck"/>).</para>
/// <para>A prefix match only says "look the key up"; the full digest is compared after that lookup.</para>
/// </remarks>
internal sealed class KnownDigests(IDbContextFactory<AppDbContext> dbFactory)
{
    /// <summary>The most digests one lookup asks for.</summary>
    public const int BatchSize = 128;

    /// <summary>The most digests waiting for a lookup at once.</summary>
    public const int MaxWaiting = 8192;

    /// <summary>Marks the batched lookup in the SQL the store receives (as a comment), for tests and for operators.</summary>
    public const string LookupTag = "Unknown API key digests, looked up by value";

    /// <summary>Marks the start-up read of every digest.</summary>
    public const string LoadTag = "Every API key digest, read once at start-up";

    // Replaced once, when the start-up read ends; sorted, so a binary search finds a prefix.
    private volatile ulong[] _loaded = [];
    private volatile bool _isLoaded;
    private readonly ConcurrentDictionary<ulong, byte> _added = new();
    private readonly Lock _gate = new();
    private readonly Queue<KeyDigest> _queue = new();
    private readonly Dictionary<KeyDigest, Waiter> _waiting = new();
    private bool _lookingUp;

    public static ulong Prefix(ReadOnlySpan<byte> digest) => BinaryPrimitives.ReadUInt64LittleEndian(digest);

    /// <summary>Whether the digests that existed at start-up are all in memory.</summary>
    public bool IsLoaded => _isLoaded;

    /// <summary>How many digests the start-up read holds (0 until it ends).</summary>
    public int LoadedCount => _loaded.Length;

    /// <summary>
    /// Whether a key with this digest may exist: known from memory, or found by a lookup that began after this call.
    /// Throws the store's failure when the lookup fails, and <see cref="KeyLookupBusyException"/> when too many wait.
    /// </summary>
    public ValueTask<bool> MayExistAsync(byte[] digest) =>
        Contains(digest) ? ValueTask.FromResult(true) : new ValueTask<bool>(LookUpAsync(digest));

    /// <summary>
    /// Whether a key with this digest is known to exist, from memory alone: no database read. A key that existed at
    /// start-up is known once the start-up read ends.
    /// </summary>
    public bool Contains(ReadOnlySpan<byte> digest)
    {
        var prefix = Prefix(digest);
        return _added.ContainsKey(prefix) || Array.BinarySearch(_loaded, prefix) >= 0;
    }

    /// <summary>
    /// Reads every digest once, so that <see cref="Contains"/> knows the keys that existed at start-up: a client over its
    /// failed-credential allowance has its real keys checked after a restart. Streams the rows: only the array is kept.
    /// </summary>
    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Grown by doubling rather than sized by a COUNT first, which would scan the table once more.
        var prefixes = new ulong[4096];
        var count = 0;
        // Streamed: each row's byte[] is short-lived garbage (gone at the next collection); only the array is kept.
        await foreach (var hash in db.ApiKeys.AsNoTracking().TagWith(LoadTag).Select(k => k.SecretHash).AsAsyncEnumerable()
                           .WithCancellation(cancellationToken))
        {
            if (count == prefixes.Length) Array.Resize(ref prefixes, count * 2);
            prefixes[count++] = Prefix(hash);
        }
        Array.Resize(ref prefixes, count);
        Array.Sort(prefixes);
        _loaded = prefixes;
        _isLoaded = true;
    }

    /// <summary>Adds a key this process has just created or found, so its next request needs no lookup.</summary>
    public void Add(ReadOnlySpan<byte> digest) => _added.TryAdd(Prefix(digest), 0);

    private Task<bool> LookUpAsync(byte[] digest)
    {
        var key = KeyDigest.From(digest);
        lock (_gate)
        {
            // The same digest twice (a client retrying) shares one place in the queue.
            if (_waiting.TryGetValue(key, out var waiter)) return waiter.Found.Task;
            if (_waiting.Count >= MaxWaiting) throw new KeyLookupBusyException();
            waiter = new Waiter(digest);
            _waiting.Add(key, waiter);
            _queue.Enqueue(key);
            if (!_lookingUp)
            {
                _lookingUp = true;
                _ = Task.Run(LookUpLoopAsync);
            }
            return waiter.Found.Task;
        }
    }

    /// <summary>Runs lookups back to back while digests wait; each takes the oldest <see cref="BatchSize"/>.</summary>
    private async Task LookUpLoopAsync()
    {
        var batch = new List<Waiter>(BatchSize);
        while (true)
        {
            batch.Clear();
            lock (_gate)
            {
                while (batch.Count < BatchSize && _queue.TryDequeue(out var key))
                {
                    batch.Add(_waiting[key]);
                    _waiting.Remove(key);
                }
                if (batch.Count == 0)
                {
                    _lookingUp = false;
                    return;
                }
            }
            try
            {
                var found = await FindAsync(batch);
                foreach (var waiter in batch)
                {
                    var exists = found.Contains(KeyDigest.From(waiter.Digest));
                    if (exists) Add(waiter.Digest);
                    waiter.Found.SetResult(exists);
                }
            }
            catch (Exception ex)
            {
                foreach (var waiter in batch) waiter.Found.SetException(ex);
            }
        }
    }

    private async Task<HashSet<KeyDigest>> FindAsync(List<Waiter> batch)
    {
        var digests = batch.Select(w => w.Digest).ToList();
        await using var db = await dbFactory.CreateDbContextAsync();
        var found = await db.ApiKeys.AsNoTracking().TagWith(LookupTag)
            .Where(k => digests.Contains(k.SecretHash)).Select(k => k.SecretHash).ToListAsync();
        return found.Select(hash => KeyDigest.From(hash)).ToHashSet();
    }

    private sealed class Waiter(byte[] digest)
    {
        public byte[] Digest { get; } = digest;
        public TaskCompletionSource<bool> Found { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>Too many unknown digests wait for a lookup: the request is refused (503) without judging its credential.</summary>
internal sealed class KeyLookupBusyException() : Exception("Too many unknown API keys are waiting to be looked up.");
