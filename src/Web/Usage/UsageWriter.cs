using System.Data.Common;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Usage;

/// <summary>
/// Writes the recorder's tallies every <see cref="UsageOptions.FlushInterval"/>: the request log rows, and each key's
/// last use (time, IP, user agent), in one transaction. Writes what is left on shutdown.
/// </summary>
internal sealed class UsageWriter(
    UsageRecorder recorder, IDbContextFactory<AppDbContext> dbFactory, IOptions<UsageOptions> options,
    TimeProvider time, ILogger<UsageWriter> logger) : BackgroundService
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private long _lastPrune;

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
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Writes everything tallied so far, and reports what the recorder had to drop since the last time.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (recorder.TakeDropped() is > 0 and var dropped)
        {
            logger.LogWarning("The API key usage log was full: {Dropped} requests were not logged. Raise {Option} if this persists.",
                dropped, "ApiKeys:Usage:MaxPendingRows");
        }

        var tallies = recorder.Take();
        if (tallies.Count == 0) return;
        try
        {
            await WriteAsync(tallies, cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
        {
            // Usage is bookkeeping: a failed batch is reported and dropped rather than retried forever.
            logger.LogError(ex, "Could not write {Count} API key request log rows.", tallies.Count);
        }
    }

    private async Task WriteAsync(List<RequestTally> tallies, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await InsertAsync(db, tallies.OrderBy(t => t.First), cancellationToken);

        foreach (var last in tallies.Where(t => t.Kind.Authenticated).GroupBy(t => t.Kind.KeyId).Select(g => g.MaxBy(t => t.Last)))
        {
            var ip = last.Kind.Ip?.ToString();
            await db.ApiKeys
                .Where(k => k.Id == last.Kind.KeyId && (k.LastUsedAt == null || k.LastUsedAt < last.Last))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(k => k.LastUsedAt, last.Last)
                    .SetProperty(k => k.LastUsedIp, ip)
                    .SetProperty(k => k.LastUsedUserAgent, last.Kind.UserAgent), cancellationToken);
        }

        if (time.GetElapsedTime(_lastPrune) >= PruneEvery || _lastPrune == 0)
        {
            var cutoff = time.GetUtcNow().UtcDateTime - options.Value.Retention;
            await db.ApiKeyRequests.Where(r => r.At < cutoff).ExecuteDeleteAsync(cancellationToken);
            _lastPrune = time.GetTimestamp();
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Inserts the rows through one prepared statement reused for the batch: the request log is the product's hottest
    /// write, and EF's change tracking and SQL generation per batch cost more CPU than the rows themselves.
    /// </summary>
    private static async Task InsertAsync(AppDbContext db, IEnumerable<RequestTally> rows, CancellationToken cancellationToken)
    {
        await using var insert = db.Database.GetDbConnection().CreateCommand();
        insert.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        insert.CommandText = """
            INSERT INTO ApiKeyRequests (ApiKeyId, At, Method, Path, Status, Ip, UserAgent, Count)
            VALUES (@keyId, @at, @method, @path, @status, @ip, @userAgent, @count)
            """;
        var parameters = new[] { "@keyId", "@at", "@method", "@path", "@status", "@ip", "@userAgent", "@count" }.Select(name =>
        {
            var parameter = insert.CreateParameter();
            parameter.ParameterName = name;
            insert.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        await insert.PrepareAsync(cancellationToken);

        foreach (var row in rows)
        {
            var kind = row.Kind;
            object?[] values = [kind.KeyId, row.First, kind.Method, kind.Path, kind.Status, kind.Ip?.ToString(), kind.UserAgent, row.Count];
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
