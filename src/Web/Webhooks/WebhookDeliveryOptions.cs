namespace FieldCamp.Web.Webhooks;

/// <summary>Section <c>Webhooks:Delivery</c>: how the delivery engine paces itself. The defaults suit production.</summary>
public sealed class WebhookDeliveryOptions
{
    public const string Section = "Webhooks:Delivery";

    /// <summary>Whether this instance dispatches and sends; off, the events wait in the database for an instance that does.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the outbox and the due deliveries are looked at when nothing nudges the engine.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries sent at the same time, so one slow receiver cannot hold up everyone else's.</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>How long a finished delivery (and its attempts) stays in the delivery log.</summary>
    public TimeSpan KeepDeliveriesFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long one attempt may take, from connecting to the end of the response headers.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Wakes the sender when deliveries were just added (by the dispatcher, or by "send test" and "resend"), so they go
/// out at once instead of at the next poll. Losing a nudge costs at most one poll interval: the database is the queue.
/// </summary>
public sealed class WebhookWakeup
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Nudge()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already nudged and not yet woken: one wake-up covers both.
        }
    }

    internal async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _signal.WaitAsync(timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
