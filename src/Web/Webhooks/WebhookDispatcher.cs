using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Webhooks;

/// <summary>
/// Turns outbox events into deliveries: one per enabled endpoint of the event's branch subscribed to its type. The
/// deliveries and the event's "dispatched" mark are saved in one transaction, so after a crash an event is either
/// fully fanned out or still waiting; and the unique (event, endpoint) pair makes a repeated run add nothing twice.
/// </summary>
internal sealed class WebhookDispatcher(
    IDbContextFactory<AppDbContext> dbFactory, WebhookWakeup wakeup, TimeProvider time, IOptions<WebhookDeliveryOptions> options,
    ILogger<WebhookDispatcher> logger, StoreOutage outage)
    : PeriodicJob(time, logger, outage)
{
    /// <summary>Events fanned out per transaction; a backlog drains in several rounds without one huge write.</summary>
    private const int BatchSize = 100;

    protected override TimeSpan Interval => options.Value.PollInterval;

    protected override string Work => "dispatch webhook events";

    /// <summary>Dispatches every waiting event; returns how many deliveries it created.</summary>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var created = 0;
        int events;
        do
        {
            (events, var deliveries) = await DispatchBatchAsync(cancellationToken);
            created += deliveries;
        }
        while (events == BatchSize && !cancellationToken.IsCancellationRequested);
        if (created > 0) wakeup.Nudge();
        return created;
    }

    private async Task<(int Events, int Deliveries)> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Most rounds find nothing: ask before taking the lock. Instances dispatch one after another, so the second finds
        // the first one's deliveries and adds none of them again.
        if (!await db.Outbox.AnyAsync(e => e.DispatchedAt == null, cancellationToken)) return (0, 0);
        await using var transaction = await db.Database.BeginSerializedAsync("webhook-dispatch", cancellationToken);
        var events = await db.Outbox.Where(e => e.DispatchedAt == null).OrderBy(e => e.Seq).Take(BatchSize).ToListAsync(cancellationToken);
        if (events.Count == 0) return (0, 0);

        var branchIds = events.Select(e => e.BranchId).Distinct().ToList();
        var endpoints = (await db.WebhookEndpoints.AsNoTracking()
                .Where(e => e.Enabled && branchIds.Contains(e.BranchId))
                .ToListAsync(cancellationToken))
            .ToLookup(e => e.BranchId);

        // Pairs already delivered: a run repeated after a crash (or by a second instance) adds none of them again.
        var eventIds = events.Select(e => e.Id).ToList();
        var existing = (await db.WebhookDeliveries.Where(d => eventIds.Contains(d.EventId))
                .Select(d => new { d.EventId, d.EndpointId }).ToListAsync(cancellationToken))
            .Select(d => (d.EventId, d.EndpointId)).ToHashSet();

        var now = Time.GetUtcNow().UtcDateTime;
        var count = 0;
        foreach (var outboxEvent in events)
        {
            foreach (var endpoint in endpoints[outboxEvent.BranchId])
            {
                if (endpoint.CompanyId != outboxEvent.CompanyId || !Subscribes(endpoint.Events, outboxEvent.Type)
                    || existing.Contains((outboxEvent.Id, endpoint.Id))) continue;
                db.WebhookDeliveries.Add(WebhookMessages.NewDelivery(endpoint, outboxEvent, now));
                count++;
            }
            outboxEvent.DispatchedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (events.Count, count);
    }

    /// <summary>Whether a space-separated subscription list names the type (or <c>*</c>, every type).</summary>
    internal static bool Subscribes(string events, string type) =>
        events.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(e => e == type || e == "*");
}

/// <summary>The values of <see cref="WebhookDelivery.Status"/>.</summary>
public static class WebhookDeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}
