using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Webhooks;

namespace FieldCamp.Web.Api;

public sealed record CreateWebhookRequest([property: Required] string? Url, [property: Required, OneOf(ApiValues.WebhookEvents)] IReadOnlyList<string>? Events,
    string? Description);

/// <summary>
/// PATCH body. A field left out is left unchanged; <c>null</c> clears <c>description</c>. <c>enabled: true</c> also
/// clears an endpoint's failure record, as re-enabling it in the dashboard does.
/// </summary>
public sealed class UpdateWebhookRequest : PatchRequest
{
    [NotClearable] public string? Url { get; set => field = Given(value); }
    [NotClearable, OneOf(ApiValues.WebhookEvents)] public IReadOnlyList<string>? Events { get; set => field = Given(value); }
    public string? Description { get; set => field = Given(value); }
    [NotClearable] public bool? Enabled { get; set => field = Given(value); }

    /// <summary>The change asked for; a <c>null</c> given for a field that cannot be empty is refused, never ignored.</summary>
    internal WebhookUpdate ToUpdate()
    {
        var errors = new Dictionary<string, string[]>();
        if (Has(nameof(Url)) && Url is null) errors["url"] = ["An endpoint always has an address; give a new one or leave the field out."];
        if (Has(nameof(Events)) && Events is null) errors["events"] = ["An endpoint always has events; give the new list or leave the field out."];
        if (Has(nameof(Enabled)) && Enabled is null) errors["enabled"] = ["Give true or false, or leave the field out."];
        if (errors.Count > 0) throw new DomainValidationException(errors);
        return new(Url, Events, Has(nameof(Description)) ? new Set<string?>(Description) : null, Enabled);
    }
}

/// <summary>
/// A webhook endpoint. <see cref="Secret"/> (the <c>whsec_…</c> signing secret) is in the create and rotate-secret
/// responses only.
/// </summary>
public sealed record WebhookResponse(
    string Id,
    string Url,
    [property: OneOf(ApiValues.WebhookEvents)] IReadOnlyList<string> Events,
    string? Description,
    bool Enabled,
    string Status,
    string? DisabledReason,
    DateTime? FailingSince,
    DateTime? PreviousSecretExpiresAt,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    WebhookLastDeliveryDto? LastDelivery,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static WebhookResponse From(WebhookEndpoint endpoint, WebhookDelivery? last, DateTime nowUtc, string? secret = null) => new(
        endpoint.Id, endpoint.Url, WebhookManager.EventsOf(endpoint), endpoint.Description, endpoint.Enabled,
        WebhookManager.StatusOf(endpoint).ToString().ToLowerInvariant(), endpoint.DisabledReason, endpoint.FailingSince,
        // Once the overlap is over, the old secret signs nothing: no point in showing when it ended.
        endpoint.PreviousSecretExpiresAt > nowUtc ? endpoint.PreviousSecretExpiresAt : null,
        endpoint.CreatedAt, endpoint.UpdatedAt,
        last is null ? null : new WebhookLastDeliveryDto(last.Id, last.Type, last.Status, last.CreatedAt), secret);
}

public sealed record WebhookLastDeliveryDto(string Id, [property: OneOf(ApiValues.DeliveryTypes)] string Type, string Status, DateTime CreatedAt);

/// <summary>The latest HTTP attempt of a delivery: when, the receiver's status (null: no response), how long, what it said.</summary>
public sealed record WebhookAttemptDto(int Number, DateTime At, int? StatusCode, int DurationMs, string? Snippet);

/// <summary>One delivery of an event to an endpoint; its id is the <c>webhook-id</c> header of every attempt.</summary>
public sealed record WebhookDeliveryResponse(
    string Id,
    [property: OneOf(ApiValues.DeliveryTypes)] string Type,
    string Status,
    int Attempts,
    DateTime CreatedAt,
    DateTime? NextAttemptAt,
    WebhookAttemptDto? LastAttempt)
{
    public static WebhookDeliveryResponse From(WebhookDeliveryRow row) => new(
        row.Delivery.Id, row.Delivery.Type, row.Delivery.Status, row.Delivery.Attempts, row.Delivery.CreatedAt,
        row.Delivery.Status == "pending" ? row.Delivery.NextAttemptAt : null,
        row.LastAttempt is { } a ? new WebhookAttemptDto(a.Number, a.At, a.StatusCode, a.DurationMs, a.Snippet) : null);

    public static WebhookDeliveryResponse From(WebhookDelivery delivery) => From(new WebhookDeliveryRow(delivery, null));
}
