using System.Globalization;
using System.Security.Claims;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

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
    public Actor ToActor(string? ip) => Actor.Key(CredentialId, CredentialName, ip);

    public static ApiCaller From(ClaimsPrincipal user)
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
        return new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyDefaults.Scheme, ApiKeyDefaults.CredentialNameClaim, null));
    }
}
