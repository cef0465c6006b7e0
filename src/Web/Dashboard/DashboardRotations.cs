using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Rotation;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using FieldCamp.Web.Rotation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Dashboard;

/// <summary>How a key has been used lately, for the wizard's side-by-side view.</summary>
public sealed record KeyUse(DateTime? LastUsedAt, string? LastUsedIp, string? LastUsedUserAgent, int LastHour, int Last24Hours,
    IReadOnlyList<string> Ips24Hours);

/// <summary>
/// What the rotation page shows for one key: the key, its rotation (active, or the last one if it completed), the
/// replacement, and both keys' recent use. <see cref="RotatingAs"/> is set when the key is the replacement of an active
/// rotation: the wizard lives on the old key's page.
/// </summary>
public sealed record RotationView(ApiKey Key, KeyRotation? Rotation, ApiKey? Replacement, KeyUse OldUse, KeyUse? NewUse,
    IReadOnlyList<string> OldOnlyIps, string? RotatingAs);

/// <summary>A key's part in an active rotation, for the "Rotating" badge and the links between old and new.</summary>
public sealed record RotationLink(string RotationId, string OldKeyId, string ReplacementKeyId);

/// <summary>
/// The rotation wizard's reads and actions, within the workspace's branch. Like <see cref="DashboardKeys"/>, every change
/// re-reads the person's role first and then goes through <see cref="ApiKeyManager"/>, the API's own path.
/// </summary>
internal sealed class DashboardRotations(
    IDbContextFactory<AppDbContext> dbFactory, ApiKeyManager manager, Workspace workspace, TimeProvider time,
    IOptions<KeyRotationSettings> settings)
{
    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public TimeSpan IdleBeforeRevoke => settings.Value.IdleBeforeRevoke;

    public async Task<RotationView?> ViewAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().InBranch(workspace.KeyScope).FirstOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null) return null;
        var rotations = db.KeyRotations.AsNoTracking().Where(r => r.BranchId == key.BranchId);
        var rotation = await rotations.Where(r => r.OldKeyId == keyId && r.Step <= RotationStep.RevokeOld).FirstOrDefaultAsync(cancellationToken)
            ?? await rotations.Where(r => r.OldKeyId == keyId && r.Step == RotationStep.Completed)
                .OrderByDescending(r => r.EndedAt).FirstOrDefaultAsync(cancellationToken);
        var rotatingAs = rotation is null
            ? await rotations.Where(r => r.ReplacementKeyId == keyId && r.Step <= RotationStep.RevokeOld).Select(r => r.OldKeyId)
                .FirstOrDefaultAsync(cancellationToken)
            : null;

        var oldUse = await UseAsync(db, key, cancellationToken);
        if (rotation is null) return new RotationView(key, null, null, oldUse, null, [], rotatingAs);
        var replacement = await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == rotation.ReplacementKeyId, cancellationToken);
        var newUse = await UseAsync(db, replacement, cancellationToken);
        var oldOnly = oldUse.Ips24Hours.Except(newUse.Ips24Hours).ToList();
        if (rotation.ReplacementFirstUsedIp is { } firstIp) oldOnly.Remove(firstIp);
        return new RotationView(key, rotation, replacement, oldUse, newUse, oldOnly, null);
    }

    /// <summary>The active rotation the key takes part in, as old key or replacement.</summary>
    public async Task<RotationLink?> LinkAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = workspace.KeyScope;
        return await db.KeyRotations.AsNoTracking()
            .Where(r => r.BranchId == scope.BranchId && r.CompanyId == scope.CompanyId && r.Step <= RotationStep.RevokeOld
                && (r.OldKeyId == keyId || r.ReplacementKeyId == keyId))
            .Select(r => new RotationLink(r.Id, r.OldKeyId, r.ReplacementKeyId)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Of the given keys, those taking part in an active rotation (old or new).</summary>
    public async Task<HashSet<string>> RotatingAsync(IReadOnlyCollection<string> keyIds, CancellationToken cancellationToken = default)
    {
        if (keyIds.Count == 0) return [];
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var scope = workspace.KeyScope;
        var rows = await db.KeyRotations.AsNoTracking()
            .Where(r => r.BranchId == scope.BranchId && r.Step <= RotationStep.RevokeOld
                && (keyIds.Contains(r.OldKeyId) || keyIds.Contains(r.ReplacementKeyId)))
            .Select(r => new { r.OldKeyId, r.ReplacementKeyId }).ToListAsync(cancellationToken);
        return [.. rows.SelectMany(r => new[] { r.OldKeyId, r.ReplacementKeyId }).Where(keyIds.Contains)];
    }

    public async Task<(KeyRotation Rotation, ApiKey Replacement, string Secret)> StartAsync(string keyId, KeyForm form, bool allowWiderScopes)
    {
        await RequireKeyManagerAsync();
        var now = Now;
        var options = new RotationOptions(
            Scopes: form.Scopes, ExpiresAt: new Set<DateTime?>(form.ExpiresAt(now)), Name: form.Name,
            OwnerId: new Set<string?>(form.OwnerId), AllowWiderScopes: allowWiderScopes);
        var rotated = await manager.RotateAsync(workspace.KeyScope, keyId, options, Me())
            ?? throw new FieldCamp.Domain.DomainException("This key no longer exists in this branch.");
        return (rotated.Rotation, rotated.Replacement, rotated.Secret);
    }

    public async Task MoveAsync(string rotationId, RotationStep step)
    {
        await RequireKeyManagerAsync();
        Found(await manager.MoveRotationAsync(workspace.KeyScope, rotationId, step, Me()));
    }

    public async Task TickAsync(string rotationId, string item, bool done)
    {
        await RequireKeyManagerAsync();
        Found(await manager.TickAsync(workspace.KeyScope, rotationId, item, done, Me()));
    }

    public async Task ChooseAutoRevokeAsync(string rotationId, int? idleHours)
    {
        await RequireKeyManagerAsync();
        Found(await manager.ChooseAutoRevokeAsync(workspace.KeyScope, rotationId, idleHours, Me()));
    }

    public async Task CancelAsync(string rotationId)
    {
        await RequireKeyManagerAsync();
        Found(await manager.CancelRotationAsync(workspace.KeyScope, rotationId, Me()));
    }

    public async Task RevokeOldAsync(string rotationId, string? typedName)
    {
        await RequireKeyManagerAsync();
        Found(await manager.RevokeOldKeyAsync(workspace.KeyScope, rotationId, typedName, Me()));
    }

    private static void Found(KeyRotation? rotation)
    {
        if (rotation is null) throw new FieldCamp.Domain.DomainException("This rotation no longer exists in this branch.");
    }

    private async Task<KeyUse> UseAsync(AppDbContext db, ApiKey key, CancellationToken cancellationToken)
    {
        var now = Now;
        var dayAgo = now.AddHours(-24);
        var hourAgo = now.AddHours(-1);
        var rows = await db.ApiKeyRequests.AsNoTracking()
            .Where(r => r.ApiKeyId == key.Id && r.At >= dayAgo && r.Status != StatusCodes.Status401Unauthorized)
            .GroupBy(r => new { r.Ip, LastHour = r.At >= hourAgo })
            .Select(g => new { g.Key.Ip, g.Key.LastHour, Count = g.Sum(r => r.Count) })
            .ToListAsync(cancellationToken);
        return new KeyUse(key.LastUsedAt, key.LastUsedIp, key.LastUsedUserAgent,
            rows.Where(r => r.LastHour).Sum(r => r.Count), rows.Sum(r => r.Count),
            [.. rows.Select(r => r.Ip).OfType<string>().Distinct().Order()]);
    }

    private Actor Me() => workspace.Actor;

    private Task RequireKeyManagerAsync() => workspace.RequireKeyManagerAsync("Only owners and admins can rotate API keys.");
}
