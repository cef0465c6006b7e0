using FieldCamp.Web.Data;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Reads every key digest into <see cref="KnownDigests"/> after start-up, off the request path: with a million keys the
/// read takes seconds, and requests are served meanwhile. Tries again while the database cannot be reached.
/// </summary>
internal sealed class KnownDigestsLoader(KnownDigests known, StoreOutage outage, TimeProvider time, ILogger<KnownDigestsLoader> logger)
    : BackgroundService
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            var failuresBefore = outage.Failures;
            var started = time.GetTimestamp();
            try
            {
                await known.LoadAsync(stoppingToken);
                outage.Answered(failuresBefore);
                logger.LogInformation("Read the digests of {Keys} API keys in {Milliseconds:F0} ms.", known.LoadedCount,
                    time.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
            {
                outage.Report(ex, "reading the known API key digests");
            }
            await Task.Delay(RetryAfter, time, stoppingToken);
        }
    }
}
