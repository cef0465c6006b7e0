using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Oversight;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class QuarterlyReviewConfiguration : IEntityTypeConfiguration<QuarterlyReview>
{
    public void Configure(EntityTypeBuilder<QuarterlyReview> review)
    {
        review.HasKey(r => r.Id);
        review.Property(r => r.Id).HasMaxLength(32);
        // One review per company and quarter: two owners opening the page at once must not start two.
        review.HasIndex(r => new { r.CompanyId, r.Year, r.Number }).IsUnique();
        review.Ignore(r => r.Quarter);
        review.ComplexProperty(r => r.CreatedBy);
        review.ComplexProperty(r => r.CompletedBy);
        // A decision and a completion at the same moment must not both win (completing with a key left undecided).
        review.Property<int>(AppDbContext.VersionProperty).IsConcurrencyToken();
        review.HasMany(r => r.Items).WithOne().HasForeignKey(i => i.ReviewId).OnDelete(DeleteBehavior.Cascade);
        review.Navigation(r => r.Items).HasField("_items").UsePropertyAccessMode(PropertyAccessMode.Field);
        review.HasOne<Domain.Tenancy.Company>().WithMany().HasForeignKey(r => r.CompanyId);
    }
}

internal sealed class ReviewItemConfiguration : IEntityTypeConfiguration<ReviewItem>
{
    public void Configure(EntityTypeBuilder<ReviewItem> item)
    {
        item.HasKey(i => i.Id);
        item.HasIndex(i => new { i.ReviewId, i.ApiKeyId }).IsUnique();
        item.Property(i => i.ApiKeyId).HasMaxLength(32);
        item.Property(i => i.BranchId).HasMaxLength(32);
        item.Property(i => i.KeyName).HasMaxLength(ApiKey.NameMaxLength);
        item.Property(i => i.Note).HasMaxLength(ReviewItem.NoteMaxLength);
        item.PrimitiveCollection(i => i.Scopes);
        item.ComplexProperty(i => i.DecidedBy);
    }
}
