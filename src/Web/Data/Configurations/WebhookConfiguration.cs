using FieldCamp.Web.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class OutboxEventConfiguration : IEntityTypeConfiguration<OutboxEvent>
{
    public void Configure(EntityTypeBuilder<OutboxEvent> outbox)
    {
        outbox.HasKey(e => e.Seq);
        outbox.HasIndex(e => e.Id).IsUnique();
        // The dispatcher's question: which events wait, oldest first.
        outbox.HasIndex(e => new { e.DispatchedAt, e.Seq });
        outbox.Property(e => e.Type).HasMaxLength(40);
    }
}

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> endpoint)
    {
        endpoint.HasKey(e => e.Id);
        endpoint.HasIndex(e => new { e.BranchId, e.Id });
        endpoint.Property(e => e.Url).HasMaxLength(2048);
        endpoint.Property(e => e.Description).HasMaxLength(500);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> delivery)
    {
        delivery.HasKey(d => d.Id);
        delivery.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        // The sender's question: what is due now.
        delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
        // The delivery log's: an endpoint's deliveries, newest first.
        delivery.HasIndex(d => new { d.EndpointId, d.CreatedAt });
        // One delivery per event and endpoint, so a dispatcher run repeated after a crash adds none twice.
        delivery.HasIndex(d => new { d.EventId, d.EndpointId }).IsUnique();
    }
}

internal sealed class WebhookAttemptConfiguration : IEntityTypeConfiguration<WebhookAttempt>
{
    public void Configure(EntityTypeBuilder<WebhookAttempt> attempt)
    {
        attempt.HasKey(a => a.Id);
        attempt.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        attempt.HasIndex(a => new { a.DeliveryId, a.Number }).IsUnique();
        attempt.Property(a => a.Snippet).HasMaxLength(1000);
    }
}
