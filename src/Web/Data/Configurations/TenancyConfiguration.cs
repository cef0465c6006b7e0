using FieldCamp.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class CompanyConfiguration : IEntityTypeConfiguration<Company>
{
    public void Configure(EntityTypeBuilder<Company> company)
    {
        company.HasKey(c => c.Id);
        company.HasIndex(c => c.Slug).IsUnique();
        company.Property(c => c.Slug).HasMaxLength(64);
        company.Property(c => c.Name).HasMaxLength(200);
    }
}

internal sealed class BranchConfiguration : IEntityTypeConfiguration<Branch>
{
    public void Configure(EntityTypeBuilder<Branch> branch)
    {
        branch.HasKey(b => b.Id);
        branch.Property(b => b.Name).HasMaxLength(100);
        branch.HasOne<Company>().WithMany().HasForeignKey(b => b.CompanyId);
    }
}

internal sealed class MembershipConfiguration : IEntityTypeConfiguration<Membership>
{
    public void Configure(EntityTypeBuilder<Membership> membership)
    {
        membership.HasKey(m => m.Id);
        membership.HasIndex(m => new { m.UserId, m.CompanyId }).IsUnique();
        membership.HasOne<ApplicationUser>().WithMany().HasForeignKey(m => m.UserId);
        membership.HasOne<Company>().WithMany().HasForeignKey(m => m.CompanyId);
    }
}

internal sealed class BranchRecordConfiguration :
    IEntityTypeConfiguration<Client>, IEntityTypeConfiguration<Job>, IEntityTypeConfiguration<Visit>,
    IEntityTypeConfiguration<Invoice>, IEntityTypeConfiguration<Item>
{
    public void Configure(EntityTypeBuilder<Client> b) => Common(b);
    // A job or invoice always names an existing client: deleting a client that still has some is refused by the
    // database too, so a delete racing a create cannot leave records pointing at nothing.
    public void Configure(EntityTypeBuilder<Job> b)
    {
        Common(b);
        b.HasOne<Client>().WithMany().HasForeignKey(j => j.ClientId).OnDelete(DeleteBehavior.Restrict);
    }
    // Deleting a job deletes its visits (the API refuses first when one was completed).
    public void Configure(EntityTypeBuilder<Visit> b)
    {
        Common(b);
        b.HasOne<Job>().WithMany().HasForeignKey(v => v.JobId).OnDelete(DeleteBehavior.Cascade);
    }
    public void Configure(EntityTypeBuilder<Invoice> b)
    {
        Common(b);
        b.OwnsMany(i => i.Lines, lines => lines.ToJson());
        b.HasOne<Client>().WithMany().HasForeignKey(i => i.ClientId).OnDelete(DeleteBehavior.Restrict);
        // Two requests checking the same number at once both see it free; the index keeps only one.
        b.HasIndex(i => new { i.BranchId, i.Number }).IsUnique();
    }
    public void Configure(EntityTypeBuilder<Item> b) => Common(b);

    private static void Common<T>(EntityTypeBuilder<T> record) where T : BranchRecord
    {
        record.HasKey(r => r.Id);
        record.HasIndex(r => new { r.BranchId, r.Id });
        // updatedSince: a sync asks for what changed since its last run.
        record.HasIndex(r => new { r.BranchId, r.UpdatedAt });
        record.HasOne<Branch>().WithMany().HasForeignKey(r => r.BranchId);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.HasKey(i => i.Id);
        // The accept page finds an invitation by its token's hash, and nothing else.
        invitation.HasIndex(i => i.TokenHash).IsUnique();
        invitation.HasIndex(i => new { i.CompanyId, i.NormalizedEmail });
        invitation.Property(i => i.Id).HasMaxLength(40);
        invitation.Property(i => i.Email).HasMaxLength(256);
        invitation.Property(i => i.NormalizedEmail).HasMaxLength(256);
        invitation.Property(i => i.InvitedBy).HasMaxLength(256);
        invitation.Property(i => i.TokenHash).HasMaxLength(32);
        invitation.HasOne<Company>().WithMany().HasForeignKey(i => i.CompanyId);
    }
}
