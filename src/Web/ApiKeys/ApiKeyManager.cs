using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

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
/// credential before returning, so the next request already sees the change.
/// </summary>
/// <remarks><paramref name="grantorScopes"/> is the calling key's scopes; people (null) may grant any scope.</remarks>
internal sealed class ApiKeyManager(IDbContextFactory<AppDbContext> dbFactory, CredentialCache credentials, TimeProvider time)
{
    public async Task<(ApiKey Key, string Secret)> CreateAsync(KeyScope scope, NewApiKey spec, Actor actor,
        IReadOnlyList<string>? grantorScopes = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var (key, secret) = ApiKey.Create(scope.CompanyId, scope.BranchId, spec, actor, Now);
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
        var before = key.Scopes;
        key.Update(update, actor, Now);
        EnsureGrantable(grantorScopes, key.Scopes.Except(before));
        if (update.OwnerId is not null) await EnsureOwnerIsMemberAsync(db, scope.CompanyId, key.OwnerId, cancellationToken);
        await SaveAndEvictAsync(db, key, cancellationToken);
        return key;
    }

    public async Task<(ApiKey Old, ApiKey Replacement, string Secret)?> RotateAsync(KeyScope scope, string keyId,
        RotationOptions options, Actor actor, IReadOnlyList<string>? grantorScopes = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await FindAsync(db, scope, keyId, cancellationToken);
        if (key is null) return null;
        EnsureWithinGrantor(grantorScopes, key);
        var (replacement, secret) = key.Rotate(options, actor, Now);
        EnsureGrantable(grantorScopes, replacement.Scopes);
        db.ApiKeys.Add(replacement);
        await SaveAndEvictAsync(db, key, cancellationToken);
        credentials.Created(replacement.SecretHash);
        return (key, replacement, secret);
    }

    public async Task<ApiKey?> RevokeAsync(KeyScope scope, string keyId, Actor actor, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var key = await FindAsync(db, scope, keyId, cancellationToken);
        if (key is null) return null;
        key.Revoke(actor, Now);
        await SaveAndEvictAsync(db, key, cancellationToken);
        return key;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private static Task<ApiKey?> FindAsync(AppDbContext db, KeyScope scope, string keyId, CancellationToken cancellationToken) =>
        db.ApiKeys.FirstOrDefaultAsync(k => k.Id == keyId && k.BranchId == scope.BranchId && k.CompanyId == scope.CompanyId, cancellationToken);

    private async Task SaveAndEvictAsync(AppDbContext db, ApiKey key, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("This key was changed by another request at the same moment. Reload it and try again.");
        }
        finally
        {
            credentials.Invalidate(key.SecretHash);
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
