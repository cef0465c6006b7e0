using System.Globalization;
using System.Security.Claims;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.ApiKeys;

namespace FieldCamp.Web.Auth;

/// <summary>The company and branch a credential acts in.</summary>
public sealed record TenantInfo(string CompanyId, string CompanySlug, string CompanyName, string BranchId, string BranchName);

/// <summary>The credential behind an API request, read back from the principal the handler built.</summary>
public sealed record ApiCaller(
    string CredentialType,
    string CredentialId,
    string CredentialName,
    IReadOnlyList<string> GrantedScopes,
    DateTime? ExpiresAt,
    TenantInfo Tenant)
{
    /// <summary>This credential as the audit trail names it, with the request's client address and user agent.</summary>
    public Actor ToActor(HttpContext http) => Actor.Key(CredentialId, CredentialName, ClientInfo.Ip(http), ClientInfo.UserAgent(http));

    /// <summary>The branch this credential may see and change keys in.</summary>
    public KeyScope KeyScope => new(Tenant.CompanyId, Tenant.BranchId);

    /// <summary>
    /// The caller behind an authenticated API request. The handler's principal carries it ready-made; the claims are
    /// read only if something replaced that principal.
    /// </summary>
    public static ApiCaller From(ClaimsPrincipal user) => user is ApiCallerPrincipal principal ? principal.Caller : FromClaims(user);

    private static ApiCaller FromClaims(ClaimsPrincipal user)
    {
        string Get(string type) => user.FindFirstValue(type) ?? throw new InvalidOperationException($"Claim {type} missing.");
        var expires = user.FindFirstValue(ApiKeyDefaults.ExpiresAtClaim);
        return new ApiCaller(
            Get(ApiKeyDefaults.CredentialTypeClaim),
            Get(ApiKeyDefaults.CredentialIdClaim),
            Get(ApiKeyDefaults.CredentialNameClaim),
            [.. user.FindAll(ApiKeyDefaults.GrantedScopeClaim).Select(c => c.Value)],
            expires is null ? null : DateTime.Parse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            new TenantInfo(Get(ApiKeyDefaults.CompanyIdClaim), Get(ApiKeyDefaults.CompanySlugClaim),
                Get(ApiKeyDefaults.CompanyNameClaim), Get(ApiKeyDefaults.BranchIdClaim), Get(ApiKeyDefaults.BranchNameClaim)));
    }
}

internal static class ApiPrincipal
{
    /// <summary>Builds the principal for an API credential: who it is, where it acts, and every scope it has.</summary>
    public static ClaimsPrincipal Create(string credentialType, string id, string name, IReadOnlyList<string> grantedScopes,
        DateTime? expiresAt, TenantInfo tenant)
    {
        var claims = new List<Claim>
        {
            new(ApiKeyDefaults.CredentialTypeClaim, credentialType),
            new(ApiKeyDefaults.CredentialIdClaim, id),
            new(ApiKeyDefaults.CredentialNameClaim, name),
            new(ApiKeyDefaults.CompanyIdClaim, tenant.CompanyId),
            new(ApiKeyDefaults.CompanySlugClaim, tenant.CompanySlug),
            new(ApiKeyDefaults.CompanyNameClaim, tenant.CompanyName),
            new(ApiKeyDefaults.BranchIdClaim, tenant.BranchId),
            new(ApiKeyDefaults.BranchNameClaim, tenant.BranchName),
        };
        if (expiresAt is { } expiry)
            claims.Add(new(ApiKeyDefaults.ExpiresAtClaim, expiry.ToString("O", CultureInfo.InvariantCulture)));
        claims.AddRange(grantedScopes.Select(s => new Claim(ApiKeyDefaults.GrantedScopeClaim, s)));
        claims.AddRange(Scopes.Expand(grantedScopes).Select(s => new Claim(ApiKeyDefaults.ScopeClaim, s)));
        var caller = new ApiCaller(credentialType, id, name, grantedScopes, expiresAt, tenant);
        return new ApiCallerPrincipal(new ClaimsIdentity(claims, ApiKeyDefaults.Scheme, ApiKeyDefaults.CredentialNameClaim, null), caller);
    }
}

/// <summary>
/// A principal that keeps the <see cref="ApiCaller"/> it was built from. The claims serve the authorization policies;
/// endpoints take the caller as is rather than parse it back out of them on every request.
/// </summary>
internal sealed class ApiCallerPrincipal(ClaimsIdentity identity, ApiCaller caller) : ClaimsPrincipal(identity)
{
    public ApiCaller Caller { get; } = caller;
}
