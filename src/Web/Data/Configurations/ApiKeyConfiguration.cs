using System.Text.Json;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.HasKey(k => k.Id);
        key.Property(k => k.Id).HasMaxLength(32);
        key.Property(k => k.Name).HasMaxLength(ApiKey.NameMaxLength);
        key.Property(k => k.Hint).HasMaxLength(32);
        key.Property(k => k.SecretHash).HasMaxLength(ApiKeySecret.DigestBytes);
        // The request path finds a key by its digest only.
        key.HasIndex(k => k.SecretHash).IsUnique();
        // The dashboard lists a branch's keys newest first; ids sort by creation time.
        key.HasIndex(k => new { k.BranchId, k.Id });
        key.PrimitiveCollection(k => k.Scopes);
        // Two changes to one key at the same moment (two revokes, two rotations) must not both win.
        key.Property<int>(AppDbContext.VersionProperty).IsConcurrencyToken();
        key.ComplexProperty(k => k.CreatedBy);
        key.ComplexProperty(k => k.RevokedBy);
        key.Property(k => k.LastUsedUserAgent).HasMaxLength(512);
        key.Property(k => k.LastUsedIp).HasMaxLength(64);
        key.HasOne<Domain.Tenancy.Branch>().WithMany().HasForeignKey(k => k.BranchId);
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.HasKey(e => e.Id);
        audit.HasIndex(e => new { e.CompanyId, e.OccurredAt });
        audit.HasIndex(e => new { e.ApiKeyId, e.OccurredAt });
        // GET /api/v1/audit-events: one branch's events, newest first by id, from a cursor.
        audit.HasIndex(e => new { e.CompanyId, e.BranchId, e.Id });
        audit.ComplexProperty(e => e.Actor);
        audit.Property(e => e.Changes).HasConversion(
            changes => JsonSerializer.Serialize(changes, JsonSerializerOptions.Default),
            json => JsonSerializer.Deserialize<List<AuditChange>>(json, JsonSerializerOptions.Default) ?? new List<AuditChange>(),
            new ValueComparer<IReadOnlyList<AuditChange>>((a, b) => a!.SequenceEqual(b!), c => c.Count, c => c.ToList()));
    }
}

internal sealed class ApiKeyRequestConfiguration : IEntityTypeConfiguration<ApiKeyRequest>
{
    public void Configure(EntityTypeBuilder<ApiKeyRequest> request)
    {
        request.HasKey(r => r.Id);
        request.HasIndex(r => new { r.ApiKeyId, r.At });
        request.HasIndex(r => r.At);
        request.Property(r => r.Method).HasMaxLength(16);
        request.Property(r => r.Path).HasMaxLength(512);
        request.Property(r => r.Ip).HasMaxLength(64);
        request.Property(r => r.UserAgent).HasMaxLength(512);
        request.Property(r => r.Origin).HasMaxLength(512);
    }
}

internal sealed class ScopeUseDayConfiguration : IEntityTypeConfiguration<ScopeUseDay>
{
    public void Configure(EntityTypeBuilder<ScopeUseDay> day)
    {
        day.HasKey(d => new { d.ApiKeyId, d.Day, d.Scope });
        day.HasIndex(d => d.Day);
        day.Property(d => d.Scope).HasMaxLength(64);
    }
}
