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
internal sealed class CompanyRateLimits(IDbContextFactory<AppDbContext> dbFactory, IOptions<RateLimitDefaults> defaults, TimeProvider time,
    Scaling.ClusterSignals signals)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    /// <summary>How soon a limit that could not be read, because the database was down, is tried again.</summary>
    public static readonly TimeSpan RetryAfterOutage = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    // Moved on by every Forget: a read that began before a save must not put the old limit back after it.
    private long _generation;

    public int ConfiguredLimit => defaults.Value.RequestsPerMinute;

    /// <summary>The shared limit in force: the key policy's own, or the configured default.</summary>
    public int SharedLimit(int? policyLimit) => policyLimit ?? ConfiguredLimit;

    public ValueTask<int> GetAsync(string companyId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcTicks;
        return _entries.TryGetValue(companyId, out var entry) && entry.ReadAt + MaxAge.Ticks > now
            ? new(entry.Limit)
            : new(LoadAsync(companyId, now, cancellationToken));
    }

    /// <summary>
    /// Forgets the company's limit; the next request reads it again. Called when its key policy is saved; the other
    /// instances are told through Redis when it is configured.
    /// </summary>
    public void Forget(string companyId)
    {
        ForgetHere(companyId);
        signals.CompanyLimitChangedHere(companyId);
    }

    /// <summary>Forgets the company's limit in this process only (another instance saved its policy).</summary>
    public void ForgetHere(string companyId)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(companyId, out _);
    }

    private async Task<int> LoadAsync(string companyId, long now, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Read(ref _generation);
        int limit;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var own = await db.KeyPolicies.AsNoTracking().Where(p => p.CompanyId == companyId)
                .Select(p => p.DefaultRequestsPerMinute).FirstOrDefaultAsync(cancellationToken);
            limit = SharedLimit(own);
        }
        catch (Exception ex) when (StoreOutage.IsStoreFailure(ex))
        {
            // The database is down: a key still cached keeps working (DESIGN §6), so it keeps being limited, by the last
            // limit known or else the configured one, read again after RetryAfterOutage rather than on every request.
            // The outage itself is reported by what needs the store to answer.
            limit = _entries.TryGetValue(companyId, out var known) ? known.Limit : ConfiguredLimit;
            _entries[companyId] = new Entry(limit, now - MaxAge.Ticks + RetryAfterOutage.Ticks);
            return limit;
        }
        if (Interlocked.Read(ref _generation) == generation) _entries[companyId] = new Entry(limit, now);
        return limit;
    }

    private readonly record struct Entry(int Limit, long ReadAt);
}
