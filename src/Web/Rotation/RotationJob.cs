using FieldCamp.Domain.Rotation;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Rotation;

/// <summary>
/// Every <see cref="KeyRotationSettings.CheckInterval"/>: revokes the old key of each rotation whose automatic revocation
/// is due (the replacement has been used, the old key idle the chosen hours), as the system ("rotation"), and closes
/// rotations whose old key has meanwhile expired. Everything it decides comes from the store and the clock, so a
/// restart picks up where it left off.
/// </summary>
internal sealed class RotationJob(
    IDbContextFactory<AppDbContext> dbFactory, CredentialCache credentials, TimeProvider time, IOptions<KeyRotationSettings> settings,
    ILogger<RotationJob> logger, StoreOutage outage) : PeriodicJob(time, logger, outage)
{
    protected override TimeSpan Interval => settings.Value.CheckInterval;

    protected override string Work => "check key rotations";

    /// <summary>Revokes every old key due now and closes rotations whose old key expired; returns how many old keys it revoked.</summary>
    public override async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await (
            from r in db.KeyRotations
            where r.Step <= RotationStep.RevokeOld
            join old in db.ApiKeys on r.OldKeyId equals old.Id
            where (r.AutoRevokeAfterIdleHours != null && r.ReplacementFirstUsedAt != null) || old.RevokedAt != null || old.ExpiresAt <= now
            select r.Id).ToListAsync(cancellationToken);

        var revoked = 0;
        foreach (var id in candidates)
        {
            db.ChangeTracker.Clear();
            var rotation = await db.KeyRotations.SingleAsync(r => r.Id == id, cancellationToken);
            var keys = await db.ApiKeys.Where(k => k.Id == rotation.OldKeyId || k.Id == rotation.ReplacementKeyId).ToListAsync(cancellationToken);
            var (old, replacement) = (keys.Single(k => k.Id == rotation.OldKeyId), keys.Single(k => k.Id == rotation.ReplacementKeyId));
            var due = rotation.IsAutoRevokeDue(old, now);
            if (due) rotation.AutoRevoke(old, now);
            else rotation.KeyRetired(old, replacement, KeyRotation.SystemActor, now);
            if (!db.ChangeTracker.HasChanges()) continue;
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                if (due) revoked++;
            }
            catch (DbUpdateConcurrencyException)
            {
                // A person revoked or changed the key at the same moment; the next round sees what they did.
            }
            finally
            {
                credentials.Invalidate(old.SecretHash);
            }
        }
        return revoked;
    }
}
