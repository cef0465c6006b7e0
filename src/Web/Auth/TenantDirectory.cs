using System.Collections.Concurrent;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Auth;

/// <summary>Companies and their branches by slug, cached like keys, for credentials that name their tenant (legacy JWTs).</summary>
internal sealed class TenantDirectory(IDbContextFactory<AppDbContext> dbFactory, IOptions<ApiKeyCacheOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (IReadOnlyList<TenantInfo> Branches, long LoadedAt)> _companies =
        new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The named branch (any case), or the company's first branch when none is named; null when unknown.</summary>
    public async ValueTask<TenantInfo?> FindAsync(string companySlug, string? branchName)
    {
        if (!_companies.TryGetValue(companySlug, out var entry) || time.GetElapsedTime(entry.LoadedAt) >= options.Value.MaxEntryAge)
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            var slug = companySlug.ToLowerInvariant();
            var branches = await (
                from c in db.Companies
                where c.Slug == slug
                join b in db.Branches on c.Id equals b.CompanyId
                orderby b.Id
                select new TenantInfo(c.Id, c.Slug, c.Name, b.Id, b.Name)).ToListAsync();
            entry = (branches, time.GetTimestamp());
            _companies[companySlug] = entry;
        }
        return string.IsNullOrEmpty(branchName)
            ? entry.Branches.FirstOrDefault()
            : entry.Branches.FirstOrDefault(b => string.Equals(b.BranchName, branchName, StringComparison.OrdinalIgnoreCase));
    }
}
