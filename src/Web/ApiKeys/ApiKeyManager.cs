using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Rotation;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.KeyPolicies;
using FieldCamp.Web.Rotation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.ApiKeys;

/// <summary>A key tried to grant scopes it does not hold itself.</summary>
public sealed class ScopeEscalationException(IReadOnlyList<string> scopes, string message)
    : DomainException(message)
{
    public ScopeEscalationException(IReadOnlyList<string> scopes)
        : this(scopes, $"A key cannot grant scopes it does not hold itself: {string.Join(", ", scopes)}.") { }

    public IReadOnlyList<string> Scopes { get; } = scopes;
}

/// <summary>The branch a change is made in. Keys of any other branch are invisible from here.</summary>
public sealed record KeyScope(string CompanyId, string BranchId);

/// <summary>
/// The one way keys change, shared by the API, the dashboard and the command line: loads the key within its
/// branch, applies the domain verb (which queues the audit event), saves both together, and evicts the cached
/// credential before returning, so the next request already sees the change. The company's key policy is enforced
/// here, and only here, so the three ways in refuse the same expiries with the same words.
/// </summary>
/// <remarks><paramref name="grantorScopes"/> is the calling key's scopes; people (null) may grant any scope.</remarks>
internal sealed class ApiKeyManager(
    IDbContextFactory<AppDbContext> dbFactory, CredentialCache credentials, TimeProvider time, IOptions<KeyRotationSettings> rotationSettings)
{
    public async Task<(ApiKey Key, string Secret)> CreateAsync(KeyScope scope, NewApiKey spec, Actor actor,
        IReadOnlyList<string>? grantorScopes = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = Now;
        var (companyName, policy) = await CompanyKeyPolicies.LoadAsync(db, scope.CompanyId, tracked: false, cancellationToken);
        // The field's own rules and the policy's together, so one answer lists every problem.
        var errors = ApiKey.Validate(spec, now).ToDictionary();
        foreach (var (field, messages) in policy.Check(spec.ExpiresAt, now, companyName)) errors.TryAdd(field, messages);
        if (errors.Count > 0) throw new DomainValidationException(errors);
        var (key, secret) = ApiKey.Create(scope.CompanyId, scope.BranchId, spec, actor, now);
        EnsureGrantable(grantorScopes, key.Scopes);
        await EnsureOwnerIsMemberAsync(db, scope.CompanyId, spec.OwnerId, cancellationToken);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        credentials.Created(key.SecretHash);
        return (key, secret);
    }

    public async Task<ApiKey?> UpdateAsync(KeyScope scope, string keyId, ApiKeyUpdate update, Actor actor,
        IReadOnlyList<string>? grantorScopes = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await FindAsync(db, scope, keyId, cancellationToken);
        if (key is null) return null;
        EnsureWithinGrantor(grantorScopes, key);
        // A new expiry must keep to the policy, measured from the key's creation; bringing it closer is always allowed.
        if (update.ExpiresAt is { Value: var expiry } && !(expiry <= key.ExpiresAt))
        {
            var (companyName, policy) = await CompanyKeyPolicies.LoadAsync(db, scope.CompanyId, tracked: false, cancellationToken);
            policy.Enforce(expiry, key.CreatedAt, companyName);
        }
        var before = key.Scopes;
        key.Update(update, actor, Now);
        EnsureGrantable(grantorScopes, key.Scopes.Except(before));
        if (update.OwnerId is not null) await EnsureOwnerIsMemberAsync(db, scope.CompanyId, key.OwnerId, cancellationToken);
        await SaveAndEvictAsync(db, key, cancellationToken);
        return key;
    }

    /// <summary>
    /// Rotates a key and opens its rotation record, for the API and the dashboard alike. A revoked, expired or already
    /// rotated key is a <see cref="DomainException"/> (409 on the API).
    /// </summary>
    public async Task<(ApiKey Old, ApiKey Replacement, string Secret, KeyRotation Rotation)?> RotateAsync(KeyScope scope, string keyId,
        RotationOptions options, Actor actor, IReadOnlyList<string>? grantorScopes = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await FindAsync(db, scope, keyId, cancellationToken);
        if (key is null) return null;
        EnsureWithinGrantor(grantorScopes, key);
        // Either key of a running rotation is "rotating": rotating the replacement too would leave two rotations tangled.
        if (await db.KeyRotations.AnyAsync(r => (r.OldKeyId == key.Id || r.ReplacementKeyId == key.Id) && r.Step <= RotationStep.RevokeOld, cancellationToken))
            throw new DomainException($"{key.Id} is already being rotated; finish or cancel that rotation first.");
        var now = Now;
        var (companyName, policy) = await CompanyKeyPolicies.LoadAsync(db, scope.CompanyId, tracked: false, cancellationToken);
        if (options.ExpiresAt is { Value: var chosen }) policy.Enforce(chosen, now, companyName);
        // The replacement's default expiry (the old key's lifetime) is fitted into the policy rather than refused.
        else options = options with { ExpiresAt = new Set<DateTime?>(policy.Fit(key.ReplacementExpiry(now), now)) };
        var (rotation, replacement, secret) = KeyRotation.Start(key, options, actor, now);
        EnsureGrantable(grantorScopes, replacement.Scopes);
        if (options.OwnerId is not null) await EnsureOwnerIsMemberAsync(db, scope.CompanyId, replacement.OwnerId, cancellationToken);
        db.ApiKeys.Add(replacement);
        db.KeyRotations.Add(rotation);
        await SaveAndEvictAsync(db, key, cancellationToken);
        credentials.Created(replacement.SecretHash);
        return (key, replacement, secret, rotation);
    }

    /// <summary>The branch's rotation with this id, with both its keys, read-only; null when there is none here.</summary>
    public async Task<(KeyRotation Rotation, ApiKey Old, ApiKey Replacement)?> GetRotationAsync(KeyScope scope, string rotationId,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rotation = await db.KeyRotations.AsNoTracking()
            .FirstOrDefaultAsync(r => r.Id == rotationId && r.BranchId == scope.BranchId && r.CompanyId == scope.CompanyId, cancellationToken);
        if (rotation is null) return null;
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.Id == rotation.OldKeyId || k.Id == rotation.ReplacementKeyId)
            .ToDictionaryAsync(k => k.Id, cancellationToken);
        return (rotation, keys[rotation.OldKeyId], keys[rotation.ReplacementKeyId]);
    }

    public Task<KeyRotation?> MoveRotationAsync(KeyScope scope, string rotationId, RotationStep step, Actor actor,
        CancellationToken cancellationToken = default) =>
        ChangeRotationAsync(scope, rotationId, (r, _, _, now) => r.GoTo(step, actor, now), cancellationToken);

    public Task<KeyRotation?> TickAsync(KeyScope scope, string rotationId, string item, bool done, Actor actor,
        CancellationToken cancellationToken = default) =>
        ChangeRotationAsync(scope, rotationId, (r, _, _, now) => r.Tick(item, done, actor, now), cancellationToken);

    public Task<KeyRotation?> ChooseAutoRevokeAsync(KeyScope scope, string rotationId, int? idleHours, Actor actor,
        CancellationToken cancellationToken = default) =>
        ChangeRotationAsync(scope, rotationId, (r, _, _, now) => r.ChooseAutoRevoke(idleHours, actor, now), cancellationToken);

    /// <summary>Cancels a rotation: the replacement is revoked, the old key carries on.</summary>
    public Task<KeyRotation?> CancelRotationAsync(KeyScope scope, string rotationId, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeRotationAsync(scope, rotationId, (r, old, replacement, now) => r.Cancel(old, replacement, actor, now), cancellationToken);

    /// <summary>The wizard's last step: revokes the old key, once idle long enough or with its name typed.</summary>
    public Task<KeyRotation?> RevokeOldKeyAsync(KeyScope scope, string rotationId, string? typedName, Actor actor,
        CancellationToken cancellationToken = default) =>
        ChangeRotationAsync(scope, rotationId,
            (r, old, _, now) => r.RevokeOld(old, typedName, rotationSettings.Value.IdleBeforeRevoke, actor, now), cancellationToken);

    private async Task<KeyRotation?> ChangeRotationAsync(KeyScope scope, string rotationId, Action<KeyRotation, ApiKey, ApiKey, DateTime> change,
        CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rotation = await db.KeyRotations
            .FirstOrDefaultAsync(r => r.Id == rotationId && r.BranchId == scope.BranchId && r.CompanyId == scope.CompanyId, cancellationToken);
        if (rotation is null) return null;
        var keys = await db.ApiKeys.Where(k => k.Id == rotation.OldKeyId || k.Id == rotation.ReplacementKeyId).ToListAsync(cancellationToken);
        var (old, replacement) = (keys.Single(k => k.Id == rotation.OldKeyId), keys.Single(k => k.Id == rotation.ReplacementKeyId));
        change(rotation, old, replacement, Now);
        await SaveAndEvictAsync(db, keys, cancellationToken);
        return rotation;
    }

    public async Task<ApiKey?> RevokeAsync(KeyScope scope, string keyId, Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await FindAsync(db, scope, keyId, cancellationToken);
        if (key is null) return null;
        var now = Now;
        key.Revoke(actor, now);
        var other = await EndRotationOfAsync(db, key, actor, now, cancellationToken);
        await SaveAndEvictAsync(db, other is null ? [key] : [key, other], cancellationToken);
        return key;
    }

    /// <summary>
    /// Revoking either key of a rotation ends it, however the key was revoked (here, a leak report, secret scanning):
    /// the old key's completes the rotation, the replacement's calls it off. Returns the rotation's other key, which
    /// may have changed too (a cancel gives the old key back its expiry), so the caller evicts it with the first.
    /// </summary>
    internal static async Task<ApiKey?> EndRotationOfAsync(AppDbContext db, ApiKey revoked, Actor actor, DateTime now,
        CancellationToken cancellationToken)
    {
        var rotation = await db.KeyRotations.FirstOrDefaultAsync(
            r => (r.OldKeyId == revoked.Id || r.ReplacementKeyId == revoked.Id) && r.Step <= RotationStep.RevokeOld, cancellationToken);
        if (rotation is null) return null;
        var otherId = rotation.OldKeyId == revoked.Id ? rotation.ReplacementKeyId : rotation.OldKeyId;
        var other = await db.ApiKeys.FirstAsync(k => k.Id == otherId, cancellationToken);
        var (old, replacement) = rotation.OldKeyId == revoked.Id ? (revoked, other) : (other, revoked);
        rotation.KeyRetired(old, replacement, actor, now);
        return other;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static Task<ApiKey?> FindAsync(AppDbContext db, KeyScope scope, string keyId, CancellationToken cancellationToken) =>
        db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.BranchId == scope.BranchId && k.CompanyId == scope.CompanyId, cancellationToken);

    private Task SaveAndEvictAsync(AppDbContext db, ApiKey key, CancellationToken cancellationToken) =>
        SaveAndEvictAsync(db, [key], cancellationToken);

    private async Task SaveAndEvictAsync(AppDbContext db, IReadOnlyList<ApiKey> keys, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("This key was changed by another request at the same moment. Reload it and try again.");
        }
        catch (DbUpdateException) when (db.ChangeTracker.Entries<KeyRotation>().Any(e => e.State == EntityState.Added))
        {
            // The unique index on an active rotation's old key: another rotation of it began at the same moment.
            throw new DomainException("This key is already being rotated; finish or cancel that rotation first.");
        }
        finally
        {
            foreach (var key in keys) credentials.Invalidate(key.SecretHash);
        }
    }

    private static void EnsureGrantable(IReadOnlyList<string>? grantorScopes, IEnumerable<string> granted)
    {
        if (grantorScopes is null) return;
        var beyond = Scopes.NotGrantableBy(grantorScopes, granted);
        if (beyond.Count > 0) throw new ScopeEscalationException(beyond);
    }

    /// <summary>
    /// A key may change or rotate only keys it could have created itself; otherwise a key holding
    /// <c>api-keys:manage</c> and little else could extend or re-mint a broader key. Revoking stays allowed.
    /// </summary>
    private static void EnsureWithinGrantor(IReadOnlyList<string>? grantorScopes, ApiKey key)
    {
        if (grantorScopes is null) return;
        var beyond = Scopes.NotGrantableBy(grantorScopes, key.Scopes);
        if (beyond.Count > 0)
            throw new ScopeEscalationException(beyond,
                $"This key can only change keys whose scopes lie within its own; {key.Id} also holds {string.Join(", ", beyond)}.");
    }

    private static async Task EnsureOwnerIsMemberAsync(AppDbContext db, string companyId, string? ownerId, CancellationToken cancellationToken)
    {
        if (ownerId is null) return;
        if (!await db.Memberships.AnyAsync(m => m.UserId == ownerId && m.CompanyId == companyId, cancellationToken))
            throw new DomainValidationException(new Dictionary<string, string[]> { ["ownerId"] = ["The owner must be a member of this company."] });
    }
}
