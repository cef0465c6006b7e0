using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web;

/// <summary>
/// A background job that runs a round at start and then every <see cref="Interval"/>, on the app's clock. A round that
/// fails on the database is logged and tried again next time: the jobs keep all their state in the store, so a failed
/// round (or a restart) loses nothing. Tests call <see cref="RunOnceAsync"/> directly.
/// </summary>
internal abstract class PeriodicJob(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The app's clock, for the rounds too.</summary>
    protected TimeProvider Time { get; } = time;

    protected abstract TimeSpan Interval { get; }

    /// <summary>What a round does, for the warning when it fails: "post key notices".</summary>
    protected abstract string Work { get; }

    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Done once the round at start has run (or failed), so what it does cannot land after whoever awaits this.</summary>
    public Task FirstRound => _firstRound.Task;

    /// <summary>One round; returns how many things it did.</summary>
    public abstract Task<int> RunOnceAsync(CancellationToken cancellationToken = default);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not {Work}; trying again in {Interval}.", Work, Interval);
            }
            _firstRound.TrySetResult();
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
