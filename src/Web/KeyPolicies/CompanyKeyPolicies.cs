using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.KeyPolicies;

/// <summary>A company's key policy as the forms and the command line need it: with the company's name and the shared limit in force.</summary>
public sealed record CompanyKeyPolicy(string CompanyName, KeyPolicy Policy, int SharedRequestsPerMinute)
{
    /// <summary>True when the shared limit is the configured default rather than one the owners chose.</summary>
    public bool UsesConfiguredLimit => Policy.DefaultRequestsPerMinute is null;
}

/// <summary>Reads a company's key policy; a company whose owners have set nothing has <see cref="KeyPolicy.Default"/>.</summary>
internal sealed class CompanyKeyPolicies(IDbContextFactory<AppDbContext> dbFactory, RateLimiting.CompanyRateLimits rateLimits)
{
    /// <summary>Called once a company's policy is saved: the rate limiter reads its shared limit again from the next request.</summary>
    public void Saved(string companyId) => rateLimits.Forget(companyId);

    public async Task<CompanyKeyPolicy> GetAsync(string companyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (name, policy) = await LoadAsync(db, companyId, tracked: false, cancellationToken);
        return new CompanyKeyPolicy(name, policy, SharedLimit(policy));
    }

    /// <summary>The shared limit in force: the policy's own, or the configured default.</summary>
    public int SharedLimit(KeyPolicy policy) => rateLimits.SharedLimit(policy.DefaultRequestsPerMinute);

    public int ConfiguredLimit => rateLimits.ConfiguredLimit;

    /// <summary>The company's name and its policy, read in <paramref name="db"/> (tracked when it is to be changed).</summary>
    internal static async Task<(string CompanyName, KeyPolicy Policy)> LoadAsync(AppDbContext db, string companyId, bool tracked,
        CancellationToken cancellationToken)
    {
        var name = await db.Companies.Where(c => c.Id == companyId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken) ?? "";
        var policies = tracked ? db.KeyPolicies : db.KeyPolicies.AsNoTracking();
        var policy = await policies.FirstOrDefaultAsync(p => p.CompanyId == companyId, cancellationToken);
        return (name, policy ?? KeyPolicy.Default(companyId));
    }
}
