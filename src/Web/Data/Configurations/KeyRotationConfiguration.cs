using System.Text.Json;
using FieldCamp.Domain.Rotation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class KeyRotationConfiguration : IEntityTypeConfiguration<KeyRotation>
{
    public void Configure(EntityTypeBuilder<KeyRotation> rotation)
    {
        rotation.HasKey(r => r.Id);
        rotation.Property(r => r.Id).HasMaxLength(32);
        rotation.Property(r => r.OldKeyId).HasMaxLength(32);
        rotation.Property(r => r.ReplacementKeyId).HasMaxLength(32);
        rotation.Property(r => r.OldKeyName).HasMaxLength(Domain.ApiKeys.ApiKey.NameMaxLength);
        rotation.Property(r => r.ReplacementFirstUsedIp).HasMaxLength(64);
        rotation.Property(r => r.ReplacementFirstUsedUserAgent).HasMaxLength(512);
        // One rotation at a time per key: a second one (two admins, two tabs, the API at the same moment) fails here.
        rotation.HasIndex(r => r.OldKeyId).IsUnique().HasFilter($"\"{nameof(KeyRotation.Step)}\" <= {(int)RotationStep.RevokeOld}");
        // The usage writer looks up the rotations of the keys it has just seen used.
        rotation.HasIndex(r => r.ReplacementKeyId);
        rotation.HasIndex(r => new { r.Step, r.AutoRevokeAfterIdleHours });
        rotation.ComplexProperty(r => r.StartedBy);
        rotation.ComplexProperty(r => r.EndedBy);
        rotation.Property(r => r.Ticks).HasConversion(
            ticks => JsonSerializer.Serialize(ticks, JsonSerializerOptions.Default),
            json => JsonSerializer.Deserialize<List<RotationTick>>(json, JsonSerializerOptions.Default) ?? new List<RotationTick>(),
            new ValueComparer<IReadOnlyList<RotationTick>>((a, b) => a!.SequenceEqual(b!), c => c.Count, c => c.ToList()));
        rotation.HasOne<Domain.ApiKeys.ApiKey>().WithMany().HasForeignKey(r => r.OldKeyId).OnDelete(DeleteBehavior.Restrict);
        rotation.HasOne<Domain.ApiKeys.ApiKey>().WithMany().HasForeignKey(r => r.ReplacementKeyId).OnDelete(DeleteBehavior.Restrict);
    }
}
