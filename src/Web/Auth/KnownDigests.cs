using System.Buffers.Binary;
using System.Collections.Concurrent;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Auth;

/// <summary>
/// The first 8 bytes of every key digest in the database, in memory: a key whose digest is not here does not exist, so
/// a flood of invented keys (each new, each with a valid checksum) is answered without a database read per key.
/// </summary>
/// <remarks>
/// <para>Keys created elsewhere (the command line, another instance) must still work on their first request. So before
/// a digest is declared unknown, the set catches up with the rows added since it last looked, by one query that starts
/// after the request arrived. Requests that miss while a catch-up runs share the next one: however many invented
/// keys arrive, there is one small query at a time.</para>
/// <para>Rows are found by SQLite's rowid, which grows with every insert and is never reused here (keys are revoked,
/// not deleted). A prefix match only says "look it up"; the full digest is compared after the lookup.</para>
/// </remarks>
internal sealed class KnownDigests(IDbContextFactory<AppDbContext> dbFactory)
{
    private readonly ConcurrentDictionary<ulong, byte> _prefixes = new();
    private readonly Lock _gate = new();
    private List<TaskCompletionSource>? _waiting;
    private bool _catchingUp;
    private long _lastRowId;

    public static ulong Prefix(ReadOnlySpan<byte> digest) => BinaryPrimitives.ReadUInt64LittleEndian(digest);

    /// <summary>Whether a key with this digest may exist, as of a look at the database that began after this call.</summary>
    public async ValueTask<bool> MayExistAsync(ulong prefix)
    {
        if (_prefixes.ContainsKey(prefix)) return true;
        await CatchUpAsync();
        return _prefixes.ContainsKey(prefix);
    }

    /// <summary>Whether a key with this digest is known to exist, from memory alone: no catch-up, no database read.</summary>
    public bool Contains(ReadOnlySpan<byte> digest) => _prefixes.ContainsKey(Prefix(digest));

    /// <summary>
    /// Reads every digest once at start-up, so that <see cref="Contains"/> knows the keys that existed then: a client
    /// over its failed-credential allowance has its real keys checked from the first request after a restart.
    /// </summary>
    public Task LoadAsync() => CatchUpAsync();

    /// <summary>Adds a key this process has just created, so its first request needs no catch-up.</summary>
    public void Add(ReadOnlySpan<byte> digest) => _prefixes.TryAdd(Prefix(digest), 0);

    private Task CatchUpAsync()
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            (_waiting ??= []).Add(waiter);
            if (!_catchingUp)
            {
                _catchingUp = true;
                _ = Task.Run(CatchUpLoopAsync);
            }
        }
        return waiter.Task;
    }

    /// <summary>Runs catch-ups back to back while requests wait; each serves everyone who was waiting when it began.</summary>
    private async Task CatchUpLoopAsync()
    {
        while (true)
        {
            List<TaskCompletionSource> served;
            lock (_gate)
            {
                if (_waiting is null)
                {
                    _catchingUp = false;
                    return;
                }
                served = _waiting;
                _waiting = null;
            }
            try
            {
                await ReadNewRowsAsync();
                foreach (var waiter in served) waiter.SetResult();
            }
            catch (Exception ex)
            {
                foreach (var waiter in served) waiter.SetException(ex);
            }
        }
    }

    private async Task ReadNewRowsAsync()
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var rows = await db.Database
            .SqlQuery<DigestRow>($"SELECT rowid AS RowId, SecretHash FROM ApiKeys WHERE rowid > {_lastRowId} ORDER BY rowid")
            .ToListAsync();
        foreach (var row in rows) _prefixes.TryAdd(Prefix(row.SecretHash), 0);
        if (rows.Count > 0) _lastRowId = rows[^1].RowId;
    }

    private sealed class DigestRow
    {
        public long RowId { get; init; }
        public byte[] SecretHash { get; init; } = [];
    }
}
