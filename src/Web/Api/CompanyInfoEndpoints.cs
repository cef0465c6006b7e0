using System.Security.Claims;
using FieldCamp.Web.Auth;

namespace FieldCamp.Web.Api;

public sealed record CompanyDto(string Id, string Slug, string Name);
public sealed record BranchDto(string Id, string Name);
public sealed record CredentialDto(string Type, string Id, string Name, [property: OneOf(ApiValues.Scopes)] IReadOnlyList<string> Scopes,
    DateTime? ExpiresAt);
public sealed record CompanyInfoResponse(CompanyDto Company, BranchDto Branch, CredentialDto Credential);

/// <summary>
/// <c>GET /api/v1/company-info</c> (alias <c>/api/company-info</c>): which tenant a credential acts in and what it
/// may do. The first call to make with a new key. Answered from the credential alone, with no database read.
/// </summary>
internal static class CompanyInfoEndpoints
{
    public static IEndpointRouteBuilder MapCompanyInfoEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var path in new[] { "/api/v1/company-info", "/api/company-info" })
        {
            app.MapGet(path, GetCompanyInfo).WithTags("Company").RequireAuthorization(Policies.ApiCaller)
                .WithSummary("The tenant and the calling credential.");
        }
        return app;
    }

    // One outcome only, so the response itself rather than TypedResults.Ok: for a plain return value the framework works
    // out how to write it once, at start-up, where a result object looks up its logger and JSON options on every call.
    public static CompanyInfoResponse GetCompanyInfo(ClaimsPrincipal user)
    {
        var caller = ApiCaller.From(user);
        var tenant = caller.Tenant;
        return new CompanyInfoResponse(
            new CompanyDto(tenant.CompanyId, tenant.CompanySlug, tenant.CompanyName),
            new BranchDto(tenant.BranchId, tenant.BranchName),
            new CredentialDto(caller.CredentialType, caller.CredentialId, caller.CredentialName, caller.GrantedScopes, caller.ExpiresAt));
    }
}
