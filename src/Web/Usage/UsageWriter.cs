using System.Data.Common;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Usage;

/// <summary>
/// Writes queued usage every <see cref="UsageOptions.FlushInterval"/>: the request log, and each key's last use
/// (time, IP, user agent), in one transaction per batch. Drains the queue on shutdown.
/// </summary>
internal sealed class UsageWriter(
    UsageRecorder recorder, IDbContextFactory<AppDbContext> dbFactory, IOptions<UsageOptions> options,
    TimeProvider time, ILogger<UsageWriter> logger) : BackgroundService
{
    private const int MaxBatch = 50_000;
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);
    private long _lastPrune;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await recorder.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(options.Value.FlushInterval, time, stoppingToken);
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>Writes everything queued so far, and reports what a full queue made the recorder drop since the last time.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (recorder.TakeDropped() is > 0 and var dropped)
        {
            logger.LogWarning("The API key usage queue was full: {Dropped} requests were not logged. Raise {Option} if this persists.",
                dropped, "ApiKeys:Usage:QueueCapacity");
        }

        var batch = new List<UsageRecord>();
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && recorder.Reader.TryRead(out var record)) batch.Add(record);
            if (batch.Count == 0) return;
            try
            {
                await WriteAsync(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
            {
                // Usage is bookkeeping: a failed batch is reported and dropped rather than retried forever.
                logger.LogError(ex, "Could not write {Count} API key usage records.", batch.Count);
                return;
            }
        }
    }

    private async Task WriteAsync(List<UsageRecord> batch, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await InsertAsync(db, Rows(batch), cancellationToken);

        foreach (var last in batch.Where(r => r.Authenticated).GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.At)))
        {
            var ip = last.Ip?.ToString();
            await db.ApiKeys
                .Where(k => k.Id == last.KeyId && (k.LastUsedAt == null || k.LastUsedAt < last.At))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(k => k.LastUsedAt, last.At)
                    .SetProperty(k => k.LastUsedIp, ip)
                    .SetProperty(k => k.LastUsedUserAgent, last.UserAgent), cancellationToken);
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
    /// The batch as request log rows. Requests alike in everything but their time within one second share a row with a
    /// count, so an integration repeating one call costs a row per second rather than a row per request.
    /// </summary>
    private static IEnumerable<ApiKeyRequest> Rows(List<UsageRecord> batch) => batch
        .GroupBy(r => (r.KeyId, Second: r.At.Ticks / TimeSpan.TicksPerSecond, r.Method, r.Path, r.Status, r.Ip, r.UserAgent))
        .Select(alike => new ApiKeyRequest
        {
            ApiKeyId = alike.Key.KeyId, At = alike.Min(r => r.At), Method = alike.Key.Method, Path = alike.Key.Path,
            Status = alike.Key.Status, Ip = alike.Key.Ip?.ToString(), UserAgent = alike.Key.UserAgent, Count = alike.Count(),
        });

    /// <summary>
    /// Inserts the rows through one prepared statement reused for the batch: the request log is the product's hottest
    /// write, and EF's change tracking and per-batch SQL generation cost as much CPU as serving the requests did.
    /// </summary>
    private static async Task InsertAsync(AppDbContext db, IEnumerable<ApiKeyRequest> rows, CancellationToken cancellationToken)
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
            object?[] values = [row.ApiKeyId, row.At, row.Method, row.Path, row.Status, row.Ip, row.UserAgent, row.Count];
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
