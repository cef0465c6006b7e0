using System.Text.Json;
using FieldCamp.Domain.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class IncidentConfiguration : IEntityTypeConfiguration<Incident>
{
    public void Configure(EntityTypeBuilder<Incident> incident)
    {
        incident.HasKey(i => i.Id);
        incident.Property(i => i.Id).HasMaxLength(32);
        incident.Property(i => i.ApiKeyId).HasMaxLength(32);
        incident.Property(i => i.ReplacementKeyId).HasMaxLength(32);
        incident.Property(i => i.KeyName).HasMaxLength(Domain.ApiKeys.ApiKey.NameMaxLength);
        incident.Property(i => i.ReportedUrl).HasMaxLength(Incident.UrlMaxLength);
        // The Incidents page lists a branch's incidents newest first (ids sort by creation time); a key's page its own.
        incident.HasIndex(i => new { i.BranchId, i.Id });
        incident.HasIndex(i => new { i.ApiKeyId, i.Id });
        incident.ComplexProperty(i => i.ReportedBy);
        incident.ComplexProperty(i => i.ClosedBy);
        // Two admins ticking the checklist at the same moment must not overwrite each other's ticks.
        incident.Property<int>(AppDbContext.VersionProperty).IsConcurrencyToken();
        incident.Property(i => i.Ticks).HasConversion(
            ticks => JsonSerializer.Serialize(ticks, JsonSerializerOptions.Web),
            json => JsonSerializer.Deserialize<List<ChecklistTick>>(json, JsonSerializerOptions.Web) ?? new List<ChecklistTick>(),
            new ValueComparer<IReadOnlyList<ChecklistTick>>((a, b) => a!.SequenceEqual(b!), c => c.Count, c => c.ToList()));
        incident.HasOne<Domain.Tenancy.Branch>().WithMany().HasForeignKey(i => i.BranchId);
    }
}
