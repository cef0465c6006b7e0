using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Webhooks;

/// <summary>
/// Deletes, every hour, finished deliveries (with their attempts) older than <see cref="WebhookDeliveryOptions.KeepDeliveriesFor"/>
/// and outbox events dispatched more than a day ago, so the delivery log and the outbox stay the size of recent traffic.
/// A delivery still being retried is kept, however old.
/// </summary>
internal sealed class WebhookRetention(
    IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IOptions<WebhookDeliveryOptions> options, ILogger<WebhookRetention> logger, StoreOutage outage)
    : PeriodicJob(time, logger, outage)
{
    /// <summary>How long a dispatched event stays: its deliveries hold its body, so it is only needed to dispatch it.</summary>
    public static readonly TimeSpan KeepDispatchedEventsFor = TimeSpan.FromDays(1);

    protected override TimeSpan Interval => TimeSpan.FromHours(1);

    protected override string Work => "delete old webhook deliveries";

    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        var deliveriesBefore = now - options.Value.KeepDeliveriesFor;
        var eventsBefore = now - KeepDispatchedEventsFor;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Attempts go with their delivery (a cascading foreign key).
        var deliveries = await db.WebhookDeliveries
            .Where(d => d.Status != WebhookDeliveryStatus.Pending && d.CreatedAt < deliveriesBefore)
            .ExecuteDeleteAsync(cancellationToken);
        var events = await db.Outbox.Where(e => e.DispatchedAt != null && e.DispatchedAt < eventsBefore).ExecuteDeleteAsync(cancellationToken);
        return deliveries + events;
    }
}
