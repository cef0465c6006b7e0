using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Idempotency;

internal enum ClaimOutcome
{
    /// <summary>The key is this request's: run it, then complete or release the claim.</summary>
    Claimed,
    /// <summary>The same request already completed: answer with <see cref="Claim.Stored"/>.</summary>
    Replay,
    /// <summary>The same request is still running elsewhere.</summary>
    InFlight,
    /// <summary>The key was used for a different request.</summary>
    Reused,
}

internal sealed record Claim(ClaimOutcome Outcome, string ClaimId = "", IdempotencyRecord? Stored = null);

/// <summary>The response kept for replays.</summary>
internal sealed record KeptResponse(int StatusCode, string? Location, string? ContentType, byte[] Body);

/// <summary>
/// Claims, completes and releases idempotency keys in the database, so every instance sees the same claims. The
/// claim is an insert that does nothing when the row exists (<c>ON CONFLICT DO NOTHING</c>, in SQLite and
/// PostgreSQL alike): the loser of a race learns it from the row count, with no failed command to log.
/// </summary>
internal sealed class IdempotencyStore(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IOptions<IdempotencyOptions> options)
{
    public async Task<Claim> ClaimAsync(string scope, string key, byte[] fingerprint, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A claim released between our insert and our read leaves nothing to read: try again, a few times.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var claimId = Guid.NewGuid().ToString("N");
            var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO "IdempotencyRecords" ("Scope", "Key", "Fingerprint", "ClaimId", "ClaimedAt")
                VALUES ({scope}, {key}, {fingerprint}, {claimId}, {now}) ON CONFLICT DO NOTHING
                """, cancellationToken);
            if (inserted == 1) return new(ClaimOutcome.Claimed, claimId);

            var existing = await db.IdempotencyRecords.AsNoTracking()
                .FirstOrDefaultAsync(r => r.Scope == scope && r.Key == key, cancellationToken);
            if (existing is null) continue;

            var expired = existing.ClaimedAt <= now - options.Value.Retention;
            var abandoned = existing.CompletedAt is null && existing.ClaimedAt <= now - options.Value.ClaimTimeout;
            if (expired || abandoned)
            {
                // Taken over only if nobody else took it over first: the old claim id must still be there.
                var taken = await db.IdempotencyRecords
                    .Where(r => r.Scope == scope && r.Key == key && r.ClaimId == existing.ClaimId)
                    .ExecuteUpdateAsync(set => set
                        .SetProperty(r => r.ClaimId, claimId)
                        .SetProperty(r => r.ClaimedAt, now)
                        .SetProperty(r => r.Fingerprint, fingerprint)
                        .SetProperty(r => r.CompletedAt, (DateTime?)null)
                        .SetProperty(r => r.StatusCode, (int?)null)
                        .SetProperty(r => r.Location, (string?)null)
                        .SetProperty(r => r.ContentType, (string?)null)
                        .SetProperty(r => r.Body, (byte[]?)null), cancellationToken);
                if (taken == 1) return new(ClaimOutcome.Claimed, claimId);
                continue;
            }

            if (!existing.Fingerprint.AsSpan().SequenceEqual(fingerprint)) return new(ClaimOutcome.Reused);
            return existing.CompletedAt is null ? new(ClaimOutcome.InFlight) : new(ClaimOutcome.Replay, Stored: existing);
        }
        return new(ClaimOutcome.InFlight);
    }

    /// <summary>Keeps the response for replays. Runs whether or not the client is still there to see it.</summary>
    public async Task CompleteAsync(string scope, string key, string claimId, KeptResponse response)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var now = time.GetUtcNow().UtcDateTime;
        await db.IdempotencyRecords
            .Where(r => r.Scope == scope && r.Key == key && r.ClaimId == claimId)
            .ExecuteUpdateAsync(set => set
                .SetProperty(r => r.CompletedAt, now)
                .SetProperty(r => r.StatusCode, response.StatusCode)
                .SetProperty(r => r.Location, response.Location)
                .SetProperty(r => r.ContentType, response.ContentType)
                .SetProperty(r => r.Body, response.Body));
    }

    /// <summary>Gives the key back, so the request can be sent again with it.</summary>
    public async Task ReleaseAsync(string scope, string key, string claimId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.IdempotencyRecords.Where(r => r.Scope == scope && r.Key == key && r.ClaimId == claimId).ExecuteDeleteAsync();
    }
}
