using System.Collections.Concurrent;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.RateLimiting;

/// <summary>
/// Each company's shared limit in requests per window: its key policy's, or <c>RateLimits:RequestsPerMinute</c>.
/// Read once and kept in memory, so a limited request costs no database read; saving the policy here forgets the
/// company's entry at once, and an entry is re-read after <see cref="MaxAge"/> anyway (a change made by the command
/// line or on another instance).
/// </summary>
internal sealed class CompanyRateLimits(IDbContextFactory<AppDbContext> dbFactory, IOptions<RateLimitDefaults> defaults, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int ConfiguredLimit => defaults.Value.RequestsPerMinute;

    public ValueTask<int> GetAsync(string companyId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcTicks;
        return _entries.TryGetValue(companyId, out var entry) && entry.ReadAt + MaxAge.Ticks > now
            ? new(entry.Limit)
            : new(LoadAsync(companyId, now, cancellationToken));
    }

    /// <summary>Forgets the company's limit; the next request reads it again. Called when its key policy is saved.</summary>
    public void Forget(string companyId) => _entries.TryRemove(companyId, out _);

    private async Task<int> LoadAsync(string companyId, long now, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var own = await db.KeyPolicies.AsNoTracking().Where(p => p.CompanyId == companyId)
            .Select(p => p.DefaultRequestsPerMinute).FirstOrDefaultAsync(cancellationToken);
        var limit = own ?? defaults.Value.RequestsPerMinute;
        _entries[companyId] = new Entry(limit, now);
        return limit;
    }

    private readonly record struct Entry(int Limit, long ReadAt);
}
