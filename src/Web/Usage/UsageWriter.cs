using System.Data.Common;
using FieldCamp.Domain.Rotation;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Usage;

/// <summary>
/// Writes the recorder's tallies every <see cref="UsageOptions.FlushInterval"/>: the request log rows, each key's
/// last use (time, IP, user agent) and its per-day scope counts, in one transaction. Writes what is left on shutdown.
/// </summary>
internal sealed class UsageWriter(
    UsageRecorder recorder, IDbContextFactory<AppDbContext> dbFactory, IOptions<UsageOptions> options,
    TimeProvider time, CredentialCache credentials, StoreOutage outage, FieldCampMetrics metrics, ILogger<UsageWriter> logger,
    Scaling.ClusterSignals signals)
    : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private long _lastPrune;

    // Request log rows of a second still under way: more alike requests may come in it after this flush, so its rows
    // wait, and each second's alike requests stay one row. A row waits at most as many flushes as a second takes (and
    // one more), so it is written even if the clock stands still. Only the writer's loop touches this.
    private Dictionary<RequestKind, (RequestTally Tally, int Waited)> _unfinished = [];
    private readonly int _maxWaits = (int)Math.Ceiling(TimeSpan.FromSeconds(1) / options.Value.FlushInterval) + 1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await FlushAsync(CancellationToken.None);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await FlushAsync(CancellationToken.None, final: true);
    }

    /// <summary>
    /// Writes what was tallied so far (the request log rows of the current second wait for the next flush, unless this
    /// is the <paramref name="final"/> one), and reports what the recorder had to drop since the last time.
    /// </summary>
    public async Task FlushAsync(CancellationToken cancellationToken, bool final = false)
    {
        if (recorder.TakeDropped() is > 0 and var dropped)
        {
            metrics.UsageDropped(dropped, "full");
            logger.LogWarning("The API key usage log was full: {Dropped} requests were not logged. Raise {Option} if this persists.",
                dropped, "ApiKeys:Usage:MaxPendingRows");
        }

        var batch = recorder.TakeAll();
        var rows = RowsOfEndedSeconds(batch.Requests, final);
        if (rows.Count == 0 && batch.Requests.Count == 0 && batch.ScopeUses.Count == 0) return;
        var failuresBefore = outage.Failures;
        try
        {
            await WriteAsync(batch, rows, cancellationToken);
            outage.Answered(failuresBefore);
            if (rows.Count > 0) metrics.UsageWritten(time.GetUtcNow().UtcDateTime - rows.Min(t => t.First));
        }
        catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
        {
            metrics.UsageDropped(rows.Sum(t => (long)t.Count), "write_failed");
            // The database is down: one report a minute for the whole outage, not one per flush.
            outage.Report(ex, "writing API key usage (each failed batch is dropped)");
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
        {
            // Usage is bookkeeping: a failed batch is reported and dropped rather than retried forever.
            metrics.UsageDropped(rows.Sum(t => (long)t.Count), "write_failed");
            logger.LogError(ex, "Could not write {Count} API key request log rows and {ScopeCount} scope counts.",
                batch.Requests.Count, batch.ScopeUses.Count);
        }
    }

    /// <summary>
    /// The request log rows to write now: the newly taken tallies joined with those held back, except the ones of the
    /// second under way, which are held back in turn.
    /// </summary>
    private List<RequestTally> RowsOfEndedSeconds(List<RequestTally> taken, bool final)
    {
        var currentSecond = time.GetUtcNow().UtcTicks / TimeSpan.TicksPerSecond;
        var pending = _unfinished;
        foreach (var tally in taken)
        {
            pending[tally.Kind] = pending.TryGetValue(tally.Kind, out var held)
                ? (new RequestTally(tally.Kind, held.Tally.Count + tally.Count, held.Tally.First,
                    tally.Last > held.Tally.Last ? tally.Last : held.Tally.Last), held.Waited)
                : (tally, 0);
        }
        _unfinished = [];
        var rows = new List<RequestTally>(pending.Count);
        foreach (var (kind, (tally, waited)) in pending)
        {
            if (!final && kind.Second >= currentSecond && waited < _maxWaits) _unfinished[kind] = (tally, waited + 1);
            else rows.Add(tally);
        }
        return rows;
    }

    /// <summary>
    /// One transaction: the request log <paramref name="rows"/>, and from the newly taken tallies each key's last use,
    /// scope counts and a replacement key's first use (these do not wait for their second to end).
    /// </summary>
    private async Task WriteAsync(UsageBatch batch, List<RequestTally> rows, CancellationToken cancellationToken)
    {
        var tallies = batch.Requests;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await ExecuteForEachAsync(db, """
            INSERT INTO "ApiKeyRequests" ("ApiKeyId", "At", "Method", "Path", "Status", "Ip", "UserAgent", "Origin", "Count")
            VALUES (@keyId, @at, @method, @path, @status, @ip, @userAgent, @origin, @count)
            """,
            ["@keyId", "@at", "@method", "@path", "@status", "@ip", "@userAgent", "@origin", "@count"],
            rows.OrderBy(t => t.First).Select(t => new object?[]
            {
                t.Kind.KeyId, t.First, t.Kind.Method, t.Kind.Path, t.Kind.Status, t.Kind.Ip?.ToString(), t.Kind.UserAgent, t.Kind.Origin, t.Count,
            }),
            cancellationToken);

        // Each key's latest accepted request, unless a later one is already stored.
        await ExecuteForEachAsync(db, """
            UPDATE "ApiKeys" SET "LastUsedAt" = @at, "LastUsedIp" = @ip, "LastUsedUserAgent" = @userAgent
            WHERE "Id" = @keyId AND ("LastUsedAt" IS NULL OR "LastUsedAt" < @at)
            """,
            ["@keyId", "@at", "@ip", "@userAgent"],
            tallies.Where(t => t.Kind.Authenticated).GroupBy(t => t.Kind.KeyId).Select(g => g.MaxBy(t => t.Last)).Select(t =>
                new object?[] { t.Kind.KeyId, t.Last, t.Kind.Ip?.ToString(), t.Kind.UserAgent }),
            cancellationToken);

        // Added to the day's row, or the row begun: several instances (or a restart) may count the same key and day.
        await ExecuteForEachAsync(db, """
            INSERT INTO "ScopeUseDays" ("ApiKeyId", "Day", "Scope", "Allowed", "Refused") VALUES (@keyId, @day, @scope, @allowed, @refused)
            ON CONFLICT ("ApiKeyId", "Day", "Scope") DO UPDATE
            SET "Allowed" = "ScopeUseDays"."Allowed" + excluded."Allowed", "Refused" = "ScopeUseDays"."Refused" + excluded."Refused"
            """,
            ["@keyId", "@day", "@scope", "@allowed", "@refused"],
            batch.ScopeUses.Select(u => new object?[] { u.Kind.KeyId, u.Kind.Day, u.Kind.Scope, (long)u.Allowed, (long)u.Refused }),
            cancellationToken);

        var seen = new List<string>();
        var shortened = await NoteReplacementsFirstUseAsync(db, tallies, seen, cancellationToken);

        if (time.GetElapsedTime(_lastPrune) >= PruneEvery || _lastPrune == 0)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var cutoff = now - options.Value.Retention;
            await db.ApiKeyRequests.Where(r => r.At < cutoff).ExecuteDeleteAsync(cancellationToken);
            // The per-day scope counts outlive the request log: a quarterly review weighs 90 days, a year back at most.
            var firstKeptDay = DateOnly.FromDateTime(now).AddDays(-ScopeUseDay.KeptDays);
            await db.ScopeUseDays.Where(d => d.Day < firstKeptDay).ExecuteDeleteAsync(cancellationToken);
            _lastPrune = time.GetTimestamp();
        }
        await transaction.CommitAsync(cancellationToken);
        foreach (var digest in shortened) credentials.Invalidate(digest);
        // The rotation wizard open on any instance shows "seen in use" at once.
        foreach (var oldKeyId in seen) signals.Dashboard(Scaling.DashboardEvents.RotationSeen, oldKeyId);
    }

    /// <summary>
    /// Notes, on the rotation records, a replacement key's first accepted request (the wizard's "seen in use"), and starts
    /// an overlap chosen to begin then by setting the old key's expiry. Done here, where the use is written anyway, so the
    /// request path never reads or writes a rotation. Returns the digests of old keys whose expiry changed.
    /// </summary>
    private async Task<List<byte[]>> NoteReplacementsFirstUseAsync(AppDbContext db, List<RequestTally> tallies, List<string> seen,
        CancellationToken cancellationToken)
    {
        var firstUses = tallies.Where(t => t.Kind.Authenticated).GroupBy(t => t.Kind.KeyId)
            .ToDictionary(g => g.Key, g => g.MinBy(t => t.First));
        if (firstUses.Count == 0) return [];
        var ids = firstUses.Keys.ToList();
        var rotations = await db.KeyRotations
            .Where(r => ids.Contains(r.ReplacementKeyId) && r.ReplacementFirstUsedAt == null && r.Step <= RotationStep.RevokeOld)
            .ToListAsync(cancellationToken);
        if (rotations.Count == 0) return [];

        var oldIds = rotations.Select(r => r.OldKeyId).ToList();
        var oldKeys = await db.ApiKeys.Where(k => oldIds.Contains(k.Id)).ToDictionaryAsync(k => k.Id, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var rotation in rotations)
        {
            var use = firstUses[rotation.ReplacementKeyId];
            rotation.ReplacementSeen(oldKeys[rotation.OldKeyId], use.First, use.Kind.Ip?.ToString(), use.Kind.UserAgent, now);
        }
        var changed = db.ChangeTracker.Entries<FieldCamp.Domain.ApiKeys.ApiKey>()
            .Where(e => e.State == EntityState.Modified).Select(e => e.Entity.SecretHash).ToList();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone changed an old key at this very moment. The request log and last use still go in (EF rolled back to
            // its savepoint only); the first use is noted again with the replacement's next request.
            db.ChangeTracker.Clear();
            return [];
        }
        seen.AddRange(rotations.Select(r => r.OldKeyId));
        return changed;
    }

    /// <summary>
    /// Runs one statement for each row of values (in the order of <paramref name="parameterNames"/>), on one command in
    /// the open transaction, which the engine's client compiles once. These are the product's most frequent writes, and EF's change tracking or per-call query translation
    /// would cost more CPU than the rows themselves.
    /// </summary>
    private static async Task ExecuteForEachAsync(
        AppDbContext db, string sql, string[] parameterNames, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = sql;
        var parameters = parameterNames.Select(name =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();

        foreach (var values in rows)
        {
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
