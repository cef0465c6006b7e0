using System.Data.Common;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web;

/// <summary>
/// A background job that runs a round at start and then every <see cref="Interval"/>, on the app's clock. A round that
/// fails on the database is logged and tried again next time: the jobs keep all their state in the store, so a failed
/// round (or a restart) loses nothing. A database that cannot be reached is reported through <see cref="StoreOutage"/>,
/// like the API's, so an outage is a line a minute, not a stack trace every round. Tests call <see cref="RunOnceAsync"/> directly.
/// </summary>
internal abstract class PeriodicJob(TimeProvider time, ILogger logger, StoreOutage outage) : BackgroundService
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
            var failuresBefore = outage.Failures;
            try
            {
                await RunOnceAsync(stoppingToken);
                // Every round reads the store, so one that finished shows it answers.
                outage.Answered(failuresBefore);
            }
            catch (Exception ex) when (StoreOutage.IsStoreFailure(ex) && !stoppingToken.IsCancellationRequested)
            {
                outage.Report(ex, $"trying to {Work}");
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
