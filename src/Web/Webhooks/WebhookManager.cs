using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Webhooks;

/// <summary>A new endpoint as asked for: the address, the events it wants, and a note for people.</summary>
public sealed record NewWebhook(string? Url, IReadOnlyList<string>? Events, string? Description = null);

/// <summary>A change to an endpoint: a null field is left as it is; <see cref="Description"/> set to null clears it.</summary>
public sealed record WebhookUpdate(string? Url = null, IReadOnlyList<string>? Events = null, Set<string?>? Description = null, bool? Enabled = null);

/// <summary>How an endpoint stands: taking events, switched off, or taking them while its deliveries fail.</summary>
public enum WebhookStatus { Enabled, Disabled, Failing }

/// <summary>An endpoint with its most recent delivery, for lists.</summary>
public sealed record WebhookSummary(WebhookEndpoint Endpoint, WebhookDelivery? LastDelivery)
{
    public WebhookStatus Status => WebhookManager.StatusOf(Endpoint);
}

/// <summary>A delivery with its latest attempt (null while none was made).</summary>
public sealed record WebhookDeliveryRow(WebhookDelivery Delivery, WebhookAttempt? LastAttempt);

/// <summary>
/// The one way webhook endpoints change, shared by the API and the dashboard: validates, stores the signing secret
/// encrypted, writes the audit entry in the same save, and queues deliveries (test pings, resends) as pending rows
/// that the sender picks up. Every call is confined to one branch; another branch's endpoint is simply not found.
/// </summary>
internal sealed class WebhookManager(
    IDbContextFactory<AppDbContext> dbFactory, IDataProtectionProvider protection, IOptionsMonitor<WebhookOptions> options, TimeProvider time,
    WebhookWakeup wakeup)
{
    /// <summary>Endpoints a branch may have: enough for every integration, few enough that one event is not a flood.</summary>
    public const int MaxPerBranch = 20;
    public const int MaxDescriptionLength = 500;
    public const int MaxEvents = 50;
    public const string TestEventType = "webhook.test";

    /// <summary>Test pings one endpoint may have waiting: enough to try a receiver, too few to flood it (or the sender).</summary>
    public const int MaxWaitingTests = 5;

    /// <summary>How long the secret before a rotation keeps signing, so receivers can switch without losing events.</summary>
    public static readonly TimeSpan PreviousSecretOverlap = TimeSpan.FromHours(24);


    private IDataProtector Protector => protection.CreateProtector(WebhookSecrets.ProtectionPurpose);

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public static WebhookStatus StatusOf(WebhookEndpoint endpoint) =>
        !endpoint.Enabled ? WebhookStatus.Disabled : endpoint.FailingSince is not null ? WebhookStatus.Failing : WebhookStatus.Enabled;

    public static IReadOnlyList<string> EventsOf(WebhookEndpoint endpoint) => endpoint.Events.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public async Task<(WebhookEndpoint Endpoint, string Secret)> CreateAsync(KeyScope scope, NewWebhook spec, Actor actor,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var url = CheckUrl(errors, spec.Url);
        var events = CheckEvents(errors, spec.Events);
        var description = CheckDescription(errors, spec.Description);
        if (errors.Count > 0) throw new DomainValidationException(errors);

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await BeginCapTransactionAsync(db, scope, cancellationToken);
        if (await InBranch(db, scope).CountAsync(cancellationToken) >= MaxPerBranch)
            throw new DomainException($"A branch can have at most {MaxPerBranch} webhook endpoints. Delete one you no longer use first.");
        var now = Now;
        var secret = WebhookSecrets.New();
        var endpoint = new WebhookEndpoint
        {
            Id = Ids.New("whk", now), CompanyId = scope.CompanyId, BranchId = scope.BranchId, Url = url!, Events = string.Join(' ', events!),
            Description = description, ProtectedSecret = Protector.Protect(secret), CreatedAt = now, UpdatedAt = now,
            CreatedByKeyId = KeyIdOf(actor), UpdatedByKeyId = KeyIdOf(actor),
        };
        db.WebhookEndpoints.Add(endpoint);
        db.AuditEvents.Add(Audit(AuditEventType.WebhookCreated, endpoint, actor, now,
            [new("endpoint", null, endpoint.Url), new("events", null, endpoint.Events)]));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (endpoint, secret);
    }

    public async Task<IReadOnlyList<WebhookSummary>> ListAsync(KeyScope scope, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await (
            from e in InBranch(db, scope).AsNoTracking()
            orderby e.Id descending
            select new
            {
                Endpoint = e,
                Last = db.WebhookDeliveries.Where(d => d.EndpointId == e.Id).OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).FirstOrDefault(),
            }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new WebhookSummary(r.Endpoint, r.Last))];
    }

    public async Task<WebhookSummary?> GetAsync(KeyScope scope, string id, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await InBranch(db, scope).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null) return null;
        var last = await db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).FirstOrDefaultAsync(cancellationToken);
        return new WebhookSummary(endpoint, last);
    }

    public async Task<WebhookEndpoint?> UpdateAsync(KeyScope scope, string id, WebhookUpdate update, Actor actor,
        CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var url = update.Url is null ? null : CheckUrl(errors, update.Url);
        var events = update.Events is null ? null : CheckEvents(errors, update.Events);
        var description = update.Description is { } set ? CheckDescription(errors, set.Value) : null;

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A form that sends the description back unchanged is no change to it, even one written before hidden
        // characters (a line break) were refused: editing the address must not fail on it.
        if (errors.Count == 1 && errors.ContainsKey("description") && update.Description?.Value?.Trim() is { Length: > 0 } kept
            && await InBranch(db, scope).AnyAsync(e => e.Id == id && e.Description == kept, cancellationToken))
        {
            errors.Clear();
            description = kept;
        }
        if (errors.Count > 0) throw new DomainValidationException(errors);

        var endpoint = await InBranch(db, scope).FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null) return null;
        var now = Now;
        var changes = new List<AuditChange>();
        if (url is not null && url != endpoint.Url)
        {
            changes.Add(new("endpoint", endpoint.Url, url));
            endpoint.Url = url;
        }
        if (events is not null && string.Join(' ', events) != endpoint.Events)
        {
            changes.Add(new("events", endpoint.Events, string.Join(' ', events)));
            endpoint.Events = string.Join(' ', events);
        }
        if (update.Description is not null && description != endpoint.Description)
        {
            changes.Add(new("description", endpoint.Description, description));
            endpoint.Description = description;
        }
        if (update.Enabled is { } enabled && enabled != endpoint.Enabled)
        {
            changes.Add(new("enabled", endpoint.Enabled ? "yes" : "no", enabled ? "yes" : "no"));
            endpoint.Enabled = enabled;
            // Switched back on, it starts with a clean record: the failures before were someone else's problem.
            endpoint.DisabledReason = enabled ? null : $"Disabled by {actor.Name} on {now:yyyy-MM-dd HH:mm} UTC.";
            endpoint.FailingSince = null;
        }
        if (changes.Count == 0) return endpoint;
        endpoint.UpdatedAt = now;
        endpoint.UpdatedByKeyId = KeyIdOf(actor);
        db.AuditEvents.Add(Audit(AuditEventType.WebhookUpdated, endpoint, actor, now, changes));
        await db.SaveChangesAsync(cancellationToken);
        return endpoint;
    }

    public Task<WebhookEndpoint?> SetEnabledAsync(KeyScope scope, string id, bool enabled, Actor actor, CancellationToken cancellationToken = default) =>
        UpdateAsync(scope, id, new WebhookUpdate(Enabled: enabled), actor, cancellationToken);

    /// <summary>Deletes an endpoint with its deliveries and their attempts; false when there is none with this id here.</summary>
    public async Task<bool> DeleteAsync(KeyScope scope, string id, Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await InBranch(db, scope).FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null) return false;
        db.WebhookEndpoints.Remove(endpoint);
        db.AuditEvents.Add(Audit(AuditEventType.WebhookDeleted, endpoint, actor, Now, [new("endpoint", endpoint.Url, null)]));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// A new signing secret, returned once. The old one moves aside and keeps signing (both signatures go out) for
    /// <see cref="PreviousSecretOverlap"/>, so a receiver can switch without refusing a delivery.
    /// </summary>
    public async Task<(WebhookEndpoint Endpoint, string Secret)?> RotateSecretAsync(KeyScope scope, string id, Actor actor,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await InBranch(db, scope).FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null) return null;
        var now = Now;
        var secret = WebhookSecrets.New();
        endpoint.ProtectedPreviousSecret = endpoint.ProtectedSecret;
        endpoint.PreviousSecretExpiresAt = now + PreviousSecretOverlap;
        endpoint.ProtectedSecret = Protector.Protect(secret);
        endpoint.UpdatedAt = now;
        endpoint.UpdatedByKeyId = KeyIdOf(actor);
        db.AuditEvents.Add(Audit(AuditEventType.WebhookSecretRotated, endpoint, actor, now,
            [new("previousSecretExpiresAt", null, endpoint.PreviousSecretExpiresAt.Value.ToString("O"))]));
        await db.SaveChangesAsync(cancellationToken);
        return (endpoint, secret);
    }

    /// <summary>Queues a <c>webhook.test</c> ping to the endpoint, whatever events it subscribes to; null when not found.</summary>
    public async Task<WebhookDelivery?> SendTestAsync(KeyScope scope, string id, Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await InBranch(db, scope).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null) return null;
        EnsureEnabled(endpoint);
        await using var transaction = await BeginCapTransactionAsync(db, scope, cancellationToken);
        if (await db.WebhookDeliveries.CountAsync(d => d.EndpointId == id && d.Type == TestEventType && d.Status == WebhookDeliveryStatus.Pending,
                cancellationToken) >= MaxWaitingTests)
            throw new DomainException($"{MaxWaitingTests} test deliveries to this endpoint are still waiting to go out. Send another once they have.");
        var now = Now;
        // A ping is no outbox event (no other endpoint gets it); its own event id keeps the (event, endpoint) pair unique.
        var ping = OutboxEvent.For(endpoint.CompanyId, endpoint.BranchId, TestEventType, new { endpointId = endpoint.Id }, now);
        var delivery = WebhookMessages.NewDelivery(endpoint, ping, now);
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        wakeup.Nudge();
        return delivery;
    }

    /// <summary>
    /// Sends a delivery again, now: the same row goes back to pending, so the receiver sees the same <c>webhook-id</c>
    /// and body and can tell it is one it may have had. Null when the endpoint or the delivery is not found here.
    /// </summary>
    public async Task<WebhookDelivery?> ResendAsync(KeyScope scope, string id, string deliveryId, Actor actor,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var endpoint = await InBranch(db, scope).AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null) return null;
        var delivery = await db.WebhookDeliveries.FirstOrDefaultAsync(d => d.Id == deliveryId && d.EndpointId == id, cancellationToken);
        if (delivery is null) return null;
        EnsureEnabled(endpoint);
        // Still pending, it goes out on its own retry schedule; sending it now as well would only jump the queue.
        if (delivery.Status == WebhookDeliveryStatus.Pending)
            throw new DomainException("This delivery has not finished yet; it is retried on its own schedule.");
        delivery.Status = WebhookDeliveryStatus.Pending;
        delivery.NextAttemptAt = Now;
        await db.SaveChangesAsync(cancellationToken);
        wakeup.Nudge();
        return delivery;
    }

    /// <summary>One page of an endpoint's deliveries, newest first, each with its latest attempt; null when not found.</summary>
    public async Task<(IReadOnlyList<WebhookDeliveryRow> Rows, int Total)?> DeliveriesAsync(KeyScope scope, string id, int skip, int take,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await InBranch(db, scope).AnyAsync(e => e.Id == id, cancellationToken)) return null;
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id);
        var total = await deliveries.CountAsync(cancellationToken);
        var rows = await deliveries.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).Skip(skip).Take(take)
            .Select(d => new
            {
                Delivery = d,
                Last = db.WebhookAttempts.Where(a => a.DeliveryId == d.Id).OrderByDescending(a => a.Number).FirstOrDefault(),
            }).ToListAsync(cancellationToken);
        return ([.. rows.Select(r => new WebhookDeliveryRow(r.Delivery, r.Last))], total);
    }

    /// <summary>Deliveries older than <paramref name="beforeId"/> (ids order by creation), newest first: the API's cursor paging.</summary>
    public async Task<IReadOnlyList<WebhookDeliveryRow>?> DeliveriesBeforeAsync(KeyScope scope, string id, string? beforeId, int take,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await InBranch(db, scope).AnyAsync(e => e.Id == id, cancellationToken)) return null;
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id);
        if (beforeId is not null) deliveries = deliveries.Where(d => d.Id.CompareTo(beforeId) < 0);
        var rows = await deliveries.OrderByDescending(d => d.Id).Take(take)
            .Select(d => new
            {
                Delivery = d,
                Last = db.WebhookAttempts.Where(a => a.DeliveryId == d.Id).OrderByDescending(a => a.Number).FirstOrDefault(),
            }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => new WebhookDeliveryRow(r.Delivery, r.Last))];
    }

    /// <summary>Every attempt of one delivery, oldest first; null when it is not one of this branch's endpoint's.</summary>
    public async Task<IReadOnlyList<WebhookAttempt>?> AttemptsAsync(KeyScope scope, string id, string deliveryId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await InBranch(db, scope).AnyAsync(e => e.Id == id, cancellationToken)) return null;
        if (!await db.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId && d.EndpointId == id, cancellationToken)) return null;
        return await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// A transaction for "count, then add if under the cap": parallel requests must not all count the same rows and all
    /// add one, so each branch's runs queue and each counts what the ones before it added.
    /// </summary>
    private static Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginCapTransactionAsync(AppDbContext db,
        KeyScope scope, CancellationToken cancellationToken) =>
        db.Database.BeginSerializedAsync("webhooks:" + scope.BranchId, cancellationToken);

    private static IQueryable<WebhookEndpoint> InBranch(AppDbContext db, KeyScope scope) =>
        db.WebhookEndpoints.Where(e => e.BranchId == scope.BranchId && e.CompanyId == scope.CompanyId);

    private static void EnsureEnabled(WebhookEndpoint endpoint)
    {
        if (!endpoint.Enabled) throw new DomainException("This endpoint is disabled, so nothing is sent to it. Enable it first.");
    }

    private string? CheckUrl(Dictionary<string, string[]> errors, string? url)
    {
        var problem = WebhookTargets.Problem(url, options.CurrentValue.AllowInsecureTargets);
        if (problem is null) return url!.Trim();
        errors["url"] = [problem];
        return null;
    }

    private static IReadOnlyList<string>? CheckEvents(Dictionary<string, string[]> errors, IReadOnlyList<string>? events)
    {
        if (events is null || events.Count == 0)
        {
            errors["events"] = [$"Choose at least one event: {string.Join(", ", WebhookEventTypes.All)}."];
            return null;
        }
        if (events.Count > MaxEvents || events.Any(e => e is null || !WebhookEventTypes.All.Contains(e)))
        {
            // Unknown names are not quoted back: they are the caller's text, and could be anything.
            errors["events"] = [$"Unknown event type. Use any of {string.Join(", ", WebhookEventTypes.All)}."];
            return null;
        }
        // Stored in the catalogue's order, each once, so that the same choice always reads the same.
        return [.. WebhookEventTypes.All.Where(events.Contains)];
    }

    private static string? CheckDescription(Dictionary<string, string[]> errors, string? description)
    {
        if (description is null) return null;
        if (description.Length > MaxDescriptionLength)
        {
            errors["description"] = [$"The description can be at most {MaxDescriptionLength} characters."];
            return null;
        }
        if (PlainText.HasHiddenCharacters(description))
        {
            errors["description"] = [$"The description {PlainText.Refusal}"];
            return null;
        }
        description = description.Trim();
        return description.Length == 0 ? null : description;
    }

    private static string? KeyIdOf(Actor actor) => actor.Type == ActorType.ApiKey ? actor.Id : null;

    private static AuditEvent Audit(AuditEventType type, WebhookEndpoint endpoint, Actor actor, DateTime now, IReadOnlyList<AuditChange> changes) =>
        new(type, endpoint.CompanyId, endpoint.BranchId, apiKeyId: null, subject: endpoint.Url, actor, now, changes);
}
