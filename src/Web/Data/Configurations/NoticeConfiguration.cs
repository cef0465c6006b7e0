using FieldCamp.Domain.Notices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class NoticeConfiguration : IEntityTypeConfiguration<Notice>
{
    public void Configure(EntityTypeBuilder<Notice> notice)
    {
        notice.HasKey(n => n.Id);
        // The occasion, once per company: a second scheduler (or a second instance) inserting it again fails here.
        notice.HasIndex(n => new { n.CompanyId, n.DedupKey }).IsUnique();
        notice.HasIndex(n => new { n.CompanyId, n.CreatedAt });
        notice.Property(n => n.DedupKey).HasMaxLength(200);
        notice.Property(n => n.KeyName).HasMaxLength(Domain.ApiKeys.ApiKey.NameMaxLength);
        notice.Property(n => n.Message).HasMaxLength(1000);
    }
}

internal sealed class NoticeReadConfiguration : IEntityTypeConfiguration<NoticeRead>
{
    public void Configure(EntityTypeBuilder<NoticeRead> read)
    {
        read.HasKey(r => new { r.NoticeId, r.UserId });
        read.HasOne<Notice>().WithMany().HasForeignKey(r => r.NoticeId).OnDelete(DeleteBehavior.Cascade);
    }
}
