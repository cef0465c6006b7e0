using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FieldCamp.Web.Data.Configurations;

internal sealed class KeyPolicyConfiguration : IEntityTypeConfiguration<KeyPolicy>
{
    public void Configure(EntityTypeBuilder<KeyPolicy> policy)
    {
        // One per company; a company without a row has the default policy.
        policy.HasKey(p => p.CompanyId);
        policy.HasOne<Company>().WithOne().HasForeignKey<KeyPolicy>(p => p.CompanyId);
        policy.Ignore(p => p.Settings);
        policy.Ignore(p => p.RequiresExpiry);
    }
}
