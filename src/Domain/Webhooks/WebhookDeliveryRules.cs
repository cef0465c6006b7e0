namespace FieldCamp.Domain.Webhooks;

/// <summary>When a failed delivery is tried again, and when an endpoint that keeps failing is switched off.</summary>
public static class WebhookDeliveryRules
{
    /// <summary>
    /// The wait before each retry: after the first attempt fails, 5 seconds; after the second, 5 minutes; and so on.
    /// Seven attempts over about 18 hours, so a receiver down for a deploy or a night still gets its events.
    /// </summary>
    public static readonly IReadOnlyList<TimeSpan> RetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10),
    ];

    /// <summary>Every attempt a delivery gets, the first included.</summary>
    public static int MaxAttempts => RetryDelays.Count + 1;

    /// <summary>An endpoint that has failed without a single success for this long is disabled.</summary>
    public static readonly TimeSpan DisableAfter = TimeSpan.FromDays(3);

    /// <summary>When to try again after <paramref name="attemptsMade"/> failed attempts; null when it is time to give up.</summary>
    public static DateTime? NextAttemptAt(int attemptsMade, DateTime failedAtUtc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attemptsMade, 1);
        return attemptsMade <= RetryDelays.Count ? failedAtUtc + RetryDelays[attemptsMade - 1] : null;
    }

    /// <summary>True for a 2xx answer; anything else, a redirect included (they are not followed), is a failure.</summary>
    public static bool IsSuccess(int statusCode) => statusCode is >= 200 and <= 299;

    /// <summary>Whether an endpoint failing since <paramref name="failingSince"/> has now failed long enough to be disabled.</summary>
    public static bool ShouldDisable(DateTime? failingSince, DateTime nowUtc) =>
        failingSince is { } since && nowUtc - since >= DisableAfter;
}
