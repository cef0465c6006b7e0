using System.Collections.Concurrent;
using FieldCamp.Web.Data;
using FieldCamp.Web.Telemetry;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Auth;

/// <summary>What the request path needs to know about a key, without the database.</summary>
internal sealed class CachedKey
{
    public required string KeyId { get; init; }
    public required byte[] SecretHash { get; init; }
    public required DateTime? ExpiresAt { get; init; }
    public required DateTime? RevokedAt { get; init; }
    public required int? RateLimitPerMinute { get; init; }
    public required long LoadedAt { get; init; }

    /// <summary>
    /// Built once per load and handed to every request: the principal is never mutated after creation,
    /// and rebuilding it per request would be most of the cost of authenticating.
    /// </summary>
    public required AuthenticateResult Success { get; init; }

    /// <summary>What the request carries as its <see cref="IApiCredentialFeature"/> when the key is accepted; built once per load.</summary>
    public required ApiCredentialFeature Accepted { get; init; }
}

/// <summary>
/// Keys by digest, kept in memory so that a request costs no database read. Entries are re-read after
/// <see cref="ApiKeyCacheOptions.MaxEntryAge"/> (<see cref="ApiKeyCacheOptions.MaxEntryAgeWhileSubscribed"/> while
/// Redis tells this process of every other instance's changes); this process's own changes, and those announced
/// through Redis, evict them at once. A digest that
/// <see cref="KnownDigests"/> does not know is unknown without a lookup, and is then remembered in a bounded
/// <see cref="UnknownKeySet"/>, which answers a repeated one without even that.
/// </summary>
internal sealed class CredentialCache(
    IDbContextFactory<AppDbContext> dbFactory, KnownDigests known, IOptions<ApiKeyCacheOptions> options, TimeProvider time,
    StoreOutage outage, FieldCampMetrics metrics, Scaling.ClusterSignals signals)
{
    private readonly ConcurrentDictionary<KeyDigest, CachedKey> _keys = new();
    private readonly UnknownKeySet _unknown = new(options.Value.UnknownKeyCapacity);
    private readonly TimeSpan _maxAge = options.Value.MaxEntryAge;
    private readonly TimeSpan _maxAgeWhileSubscribed = options.Value.MaxEntryAgeWhileSubscribed;
    private readonly TimeSpan _maxAgeWhenStoreDown = options.Value.MaxEntryAgeWhenStoreDown;
    private long _generation;
    private bool _listening;

    /// <summary>Starts applying the changes other instances announce (the web host; the command line only announces).</summary>
    public void ListenToOtherInstances()
    {
        if (_listening) return;
        _listening = true;
        signals.KeyChanged += ForgetByPrefix;
        signals.Resync += ForgetAll;
    }

    /// <summary>
    /// The key with this digest, from memory when read within <see cref="ApiKeyCacheOptions.MaxEntryAge"/>, else from
    /// the database. When the database cannot be reached, a key read within
    /// <see cref="ApiKeyCacheOptions.MaxEntryAgeWhenStoreDown"/> is still returned; otherwise the failure is thrown
    /// (see <see cref="StoreOutage.IsStoreFailure"/>), and the caller answers 503.
    /// </summary>
    public async ValueTask<CachedKey?> FindAsync(byte[] digestBytes)
    {
        var digest = KeyDigest.From(digestBytes);
        // Fail safe: only while every change elsewhere reaches this process is an entry trusted for longer.
        var maxAge = signals.IsLive ? _maxAgeWhileSubscribed : _maxAge;
        if (_keys.TryGetValue(digest, out var cached) && time.GetElapsedTime(cached.LoadedAt) < maxAge)
        {
            metrics.KeyCacheHit();
            return cached;
        }
        if (_unknown.Contains(digest))
        {
            metrics.KeyCacheUnknown();
            return null;
        }
        metrics.KeyCacheMiss();
        try
        {
            return await ReadAsync(digest, digestBytes);
        }
        catch (Exception ex) when (StoreOutage.IsStoreFailure(ex) && cached is not null
                                   && time.GetElapsedTime(cached.LoadedAt) < _maxAgeWhenStoreDown)
        {
            // Nothing can be revoked in the store while it is down, and this process's own changes evict at once.
            outage.Report(ex, "refreshing a cached API key (the cached copy was used)");
            return cached;
        }
    }

    /// <summary>
    /// Whether a key with this digest exists as far as this process knows: it created it, read it, or caught up with it
    /// in <see cref="KnownDigests"/> (it may be revoked since). No database read: this is how a client over its
    /// failed-credential allowance still gets its real keys checked. Not the cache itself, which forgets a key each
    /// time this process changes it (an edited or policy-bound key must not be locked out by someone else's flood).
    /// </summary>
    public bool Knows(ReadOnlySpan<byte> digest) => known.Contains(digest);

    private async ValueTask<CachedKey?> ReadAsync(KeyDigest digest, byte[] digestBytes)
    {
        if (!await known.MayExistAsync(digestBytes))
        {
            _unknown.Add(digest);
            return null;
        }

        // A change that commits while we read must not be overwritten by what we read before it.
        var generation = Interlocked.Read(ref _generation);
        var failuresBefore = outage.Failures;
        var loaded = await LoadAsync(digestBytes);
        outage.Answered(failuresBefore);
        if (loaded is null)
        {
            _keys.TryRemove(digest, out _);
            _unknown.Add(digest);
        }
        else if (generation == Interlocked.Read(ref _generation))
        {
            _keys[digest] = loaded;
        }
        return loaded;
    }

    /// <summary>Makes a key this process has just created known at once.</summary>
    public void Created(byte[] digest) => known.Add(digest);

    /// <summary>
    /// Forgets a key after this process changed it (and committed the change); the next request reads it fresh. Other
    /// instances are told through Redis when it is configured.
    /// </summary>
    public void Invalidate(byte[] digestBytes)
    {
        Interlocked.Increment(ref _generation);
        var digest = KeyDigest.From(digestBytes);
        _keys.TryRemove(digest, out _);
        _unknown.Remove(digest);
        signals.KeyChangedHere(digestBytes);
    }

    /// <summary>Another instance changed a key: forgets the entries whose digest starts with these 8 bytes.</summary>
    private void ForgetByPrefix(ulong prefix)
    {
        Interlocked.Increment(ref _generation);
        // A walk over the cached keys, for a change (rare) rather than a lookup (every request): the message carries
        // only a prefix of the digest.
        foreach (var (digest, key) in _keys)
            if (KnownDigests.Prefix(key.SecretHash) == prefix) _keys.TryRemove(digest, out _);
    }

    /// <summary>Changes may have been missed: every key is read again on its next request.</summary>
    private void ForgetAll()
    {
        Interlocked.Increment(ref _generation);
        _keys.Clear();
    }

    private async Task<CachedKey?> LoadAsync(byte[] digest)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var row = await (
            from k in db.ApiKeys.AsNoTracking()
            where k.SecretHash == digest
            join b in db.Branches on k.BranchId equals b.Id
            join c in db.Companies on k.CompanyId equals c.Id
            select new
            {
                k.Id, k.Name, k.Scopes, k.SecretHash, k.ExpiresAt, k.RevokedAt, k.RateLimitPerMinute,
                Tenant = new TenantInfo(c.Id, c.Slug, c.Name, b.Id, b.Name),
            }).FirstOrDefaultAsync();
        if (row is null) return null;

        var principal = ApiPrincipal.Create(ApiKeyDefaults.ApiKeyCredential, row.Id, row.Name, row.Scopes, row.ExpiresAt, row.Tenant);
        var caller = ((ApiCallerPrincipal)principal).Caller;
        return new CachedKey
        {
            KeyId = row.Id,
            SecretHash = row.SecretHash,
            ExpiresAt = row.ExpiresAt,
            RevokedAt = row.RevokedAt,
            RateLimitPerMinute = row.RateLimitPerMinute,
            LoadedAt = time.GetTimestamp(),
            Success = AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyDefaults.Scheme)),
            Accepted = new ApiCredentialFeature(caller, row.Id, row.RateLimitPerMinute, Accepted: true)
            {
                // Formatted once per load, not per answer.
                ExpiresAtHeader = row.ExpiresAt is { } expiry
                    ? expiry.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)
                    : default,
            },
        };
    }
}
