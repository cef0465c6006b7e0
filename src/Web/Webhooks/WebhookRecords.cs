using System.Text.Json;
using FieldCamp.Domain;

namespace FieldCamp.Web.Webhooks;

/// <summary>The event types a webhook endpoint can subscribe to.</summary>
public static class WebhookEventTypes
{
    public const string ClientCreated = "client.created";
    public const string ClientUpdated = "client.updated";
    public const string JobCreated = "job.created";
    public const string JobUpdated = "job.updated";
    public const string VisitUpdated = "visit.updated";
    public const string InvoiceCreated = "invoice.created";
    public const string InvoiceUpdated = "invoice.updated";
    public const string ApiKeyRevoked = "api_key.revoked";

    public static readonly IReadOnlyList<string> All =
        [ClientCreated, ClientUpdated, JobCreated, JobUpdated, VisitUpdated, InvoiceCreated, InvoiceUpdated, ApiKeyRevoked];
}

/// <summary>
/// Something that happened to a branch's records, written in the same transaction as the change itself (so an event
/// exists exactly when its change committed) and fanned out to the branch's webhook endpoints off the request path.
/// </summary>
public sealed class OutboxEvent
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Insertion order: the dispatcher reads events in it.</summary>
    public long Seq { get; set; }
    /// <summary><c>evt_…</c>, the event's public id.</summary>
    public string Id { get; set; } = "";
    public string CompanyId { get; set; } = "";
    public string BranchId { get; set; } = "";
    /// <summary>One of <see cref="WebhookEventTypes"/>.</summary>
    public string Type { get; set; } = "";
    public DateTime OccurredAt { get; set; }
    /// <summary>The <c>data</c> of the delivered body: the record as the API shows it, as JSON.</summary>
    public string Data { get; set; } = "";
    /// <summary>When its deliveries were created; null while it waits for the dispatcher.</summary>
    public DateTime? DispatchedAt { get; set; }

    public static OutboxEvent For<T>(string companyId, string branchId, string type, T data, DateTime nowUtc) => new()
    {
        Id = Ids.New("evt", nowUtc), CompanyId = companyId, BranchId = branchId, Type = type, OccurredAt = nowUtc,
        Data = JsonSerializer.Serialize(data, Json),
    };
}

/// <summary>A receiver registered by an integration: where to send which of its branch's events, signed with which secret.</summary>
public sealed class WebhookEndpoint
{
    /// <summary><c>whk_…</c></summary>
    public string Id { get; set; } = "";
    public string CompanyId { get; set; } = "";
    public string BranchId { get; set; } = "";
    public string Url { get; set; } = "";
    /// <summary>Subscribed event types, space-separated.</summary>
    public string Events { get; set; } = "";
    public string? Description { get; set; }
    public bool Enabled { get; set; } = true;
    /// <summary>Why it was disabled (by a person, or after failing for days), shown in the dashboard.</summary>
    public string? DisabledReason { get; set; }
    /// <summary>The <c>whsec_…</c> signing secret, encrypted at rest (it must be read back to sign).</summary>
    public string ProtectedSecret { get; set; } = "";
    /// <summary>The secret before the last rotation, which still signs until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? ProtectedPreviousSecret { get; set; }
    public DateTime? PreviousSecretExpiresAt { get; set; }
    /// <summary>Start of the current run of failed deliveries; null once one succeeds.</summary>
    public DateTime? FailingSince { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public string? CreatedByKeyId { get; set; }
    public string? UpdatedByKeyId { get; set; }
}

/// <summary>One event bound for one endpoint; its <see cref="Id"/> is the stable <c>webhook-id</c> of every attempt.</summary>
public sealed class WebhookDelivery
{
    /// <summary><c>msg_…</c></summary>
    public string Id { get; set; } = "";
    public string EndpointId { get; set; } = "";
    public string BranchId { get; set; } = "";
    public string EventId { get; set; } = "";
    public string Type { get; set; } = "";
    /// <summary>The exact JSON body sent (and signed) on every attempt.</summary>
    public string Body { get; set; } = "";
    /// <summary><c>pending</c> (an attempt is due at <see cref="NextAttemptAt"/>), <c>succeeded</c> or <c>failed</c> (gave up).</summary>
    public string Status { get; set; } = "pending";
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>One HTTP attempt of a delivery, for the dashboard's delivery log.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }
    public string DeliveryId { get; set; } = "";
    public int Number { get; set; }
    public DateTime At { get; set; }
    /// <summary>The receiver's status code; null when no response came (timeout, refused, DNS).</summary>
    public int? StatusCode { get; set; }
    public int DurationMs { get; set; }
    /// <summary>The start of the response body, or what went wrong without one.</summary>
    public string? Snippet { get; set; }
}
