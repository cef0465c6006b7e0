using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Usage;

/// <summary>
/// Writes queued usage every <see cref="UsageOptions.FlushInterval"/>: the request log rows, and each key's
/// last use (time, IP, user agent), in one transaction per batch. Drains the queue on shutdown.
/// </summary>
internal sealed class UsageWriter(
    UsageRecorder recorder, IDbContextFactory<AppDbContext> dbFactory, IOptions<UsageOptions> options,
    TimeProvider time, ILogger<UsageWriter> logger) : BackgroundService
{
    private const int MaxBatch = 5_000;
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

    /// <summary>Writes everything queued so far.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
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
            catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
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

        db.ApiKeyRequests.AddRange(batch.Select(r => new ApiKeyRequest
        {
            ApiKeyId = r.KeyId, At = r.At, Method = r.Method, Path = r.Path, Status = r.Status, Ip = r.Ip, UserAgent = r.UserAgent,
        }));
        await db.SaveChangesAsync(cancellationToken);

        foreach (var last in batch.Where(r => r.Authenticated).GroupBy(r => r.KeyId).Select(g => g.MaxBy(r => r.At)))
        {
            await db.ApiKeys
                .Where(k => k.Id == last.KeyId && (k.LastUsedAt == null || k.LastUsedAt < last.At))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(k => k.LastUsedAt, last.At)
                    .SetProperty(k => k.LastUsedIp, last.Ip)
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
}
