using FieldCamp.Web.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> record)
    {
        // The claim: of two requests inserting the same credential and key, on any instance, exactly one succeeds.
        record.HasKey(r => new { r.Scope, r.Key });
        record.Property(r => r.Scope).HasMaxLength(IdempotencyRecord.ScopeMaxLength);
        record.Property(r => r.Key).HasMaxLength(IdempotencyRecord.KeyMaxLength);
        record.Property(r => r.Fingerprint).HasMaxLength(32);
        record.Property(r => r.ClaimId).HasMaxLength(32);
        record.Property(r => r.Location).HasMaxLength(2048);
        record.Property(r => r.ContentType).HasMaxLength(256);
        record.HasIndex(r => r.ClaimedAt); // pruning
    }
}
