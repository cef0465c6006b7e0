using System.Globalization;
using System.Text;
using System.Text.Json;
using FieldCamp.Domain;

namespace FieldCamp.Web.Webhooks;

/// <summary>How a delivery is made: one place for the dispatcher and for "send test" and "resend" to use.</summary>
public static class WebhookMessages
{
    /// <summary>The delivered body, <c>{"type","timestamp","data"}</c>: the exact text signed and sent on every attempt.</summary>
    public static string Body(string type, DateTime occurredAtUtc, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", type);
            json.WriteString("timestamp", occurredAtUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WritePropertyName("data");
            json.WriteRawValue(dataJson);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// A delivery of <paramref name="outboxEvent"/> to <paramref name="endpoint"/>, due at once. Add it and save, then
    /// call <see cref="WebhookWakeup.Nudge"/> so the sender picks it up without waiting for its next poll.
    /// </summary>
    public static WebhookDelivery NewDelivery(WebhookEndpoint endpoint, OutboxEvent outboxEvent, DateTime nowUtc) => new()
    {
        Id = Ids.New("msg", nowUtc), EndpointId = endpoint.Id, BranchId = endpoint.BranchId, EventId = outboxEvent.Id,
        Type = outboxEvent.Type, Body = Body(outboxEvent.Type, outboxEvent.OccurredAt, outboxEvent.Data),
        Status = WebhookDeliveryStatus.Pending, NextAttemptAt = nowUtc, CreatedAt = nowUtc,
    };
}
