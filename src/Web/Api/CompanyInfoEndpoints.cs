using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Api;

public sealed record CompanyDto(string Id, string Slug, string Name);
public sealed record BranchDto(string Id, string Name);
public sealed record CredentialDto(string Type, string Id, string Name, [property: OneOf(ApiValues.Scopes)] IReadOnlyList<string> Scopes,
    DateTime? ExpiresAt);
public sealed record CompanyInfoResponse(CompanyDto Company, BranchDto Branch, CredentialDto Credential);

/// <summary>
/// <c>GET /api/v1/company-info</c> (alias <c>/api/company-info</c>): which tenant a credential acts in and what it
/// may do. The first call to make with a new key, and the one integrations repeat to check theirs. Answered from the
/// credential alone, with no database read.
/// </summary>
internal static class CompanyInfoEndpoints
{
    // The answer is a function of the credential alone, so an API key's is serialized once per cached copy of the key
    // (CredentialCache builds its caller once per read), not once per request; the entry goes when that copy does.
    private static readonly ConditionalWeakTable<ApiCaller, byte[]> KeyBodies = new();

    public static IEndpointRouteBuilder MapCompanyInfoEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var path in new[] { "/api/v1/company-info", "/api/company-info" })
        {
            app.MapGet(path, GetCompanyInfo).WithTags("Company").RequireAuthorization(Policies.ApiCaller)
                .Produces<CompanyInfoResponse>()
                .WithSummary("The tenant and the calling credential.");
        }
        return app;
    }

    public static CompanyInfoResponse Describe(ApiCaller caller)
    {
        var tenant = caller.Tenant;
        return new CompanyInfoResponse(
            new CompanyDto(tenant.CompanyId, tenant.CompanySlug, tenant.CompanyName),
            new BranchDto(tenant.BranchId, tenant.BranchName),
            new CredentialDto(caller.CredentialType, caller.CredentialId, caller.CredentialName, caller.GrantedScopes, caller.ExpiresAt));
    }

    private static Task GetCompanyInfo(HttpContext context, IOptions<JsonOptions> options)
    {
        var json = options.Value.SerializerOptions;
        var caller = ApiCaller.From(context.User);
        if (caller.CredentialType != ApiKeyDefaults.ApiKeyCredential || !KeyBodies.TryGetValue(caller, out var body))
        {
            body = Serialize(caller, json);
            // A legacy token's caller is built per request: nothing to keep.
            if (caller.CredentialType == ApiKeyDefaults.ApiKeyCredential) KeyBodies.AddOrUpdate(caller, body);
        }
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static byte[] Serialize(ApiCaller caller, JsonSerializerOptions json) =>
        JsonSerializer.SerializeToUtf8Bytes(Describe(caller), (JsonTypeInfo<CompanyInfoResponse>)json.GetTypeInfo(typeof(CompanyInfoResponse)));
}
