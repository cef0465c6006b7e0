using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Web.Webhooks;

/// <summary>The <c>data</c> of an <c>api_key.revoked</c> event. Never the secret: only what names the key.</summary>
public sealed record ApiKeyRevokedData(string Id, string Name, string Prefix, DateTime RevokedAt, string Reason);

/// <summary>Outbox events built from changes the app already records.</summary>
public static class WebhookEvents
{
    public static OutboxEvent KeyRevoked(ApiKey key, AuditEvent revocation)
    {
        // The hint is "fc_live_AbCd…wxyz"; its start is what a person recognises in their configuration.
        var prefix = key.Hint.Split('…')[0];
        var reason = revocation.Note ?? revocation.Actor.Type switch
        {
            ActorType.Person => "Revoked by a team member.",
            ActorType.ApiKey => $"Revoked with the API key {revocation.Actor.Name}.",
            _ => $"Revoked by {revocation.Actor.Name}.",
        };
        return OutboxEvent.For(key.CompanyId, key.BranchId, WebhookEventTypes.ApiKeyRevoked,
            new ApiKeyRevokedData(key.Id, key.Name, prefix, key.RevokedAt ?? revocation.OccurredAt, reason), revocation.OccurredAt);
    }
}
