using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Authorization policies of the hosted API. They judge the principal the default scheme already authenticated (under
/// <c>/api</c> that is only ever an API credential) and insist on an API identity, so nothing else can satisfy them.
/// </summary>
public static class Policies
{
    /// <summary>Any valid API credential (key or legacy token).</summary>
    public const string ApiCaller = "api:caller";

    public static string Scope(string scope) => "api:scope:" + scope;

    public static AuthorizationBuilder AddApiPolicies(this AuthorizationBuilder builder)
    {
        builder.AddPolicy(ApiCaller, policy => policy.AddRequirements(ApiIdentityRequirement.Instance));
        foreach (var scope in Scopes.Catalogue)
        {
            builder.AddPolicy(Scope(scope), policy => policy
                .AddRequirements(ApiIdentityRequirement.Instance)
                .RequireClaim(ApiKeyDefaults.ScopeClaim, scope));
        }
        return builder;
    }

    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoint, string scope) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(Scope(scope));
}

/// <summary>Met by a principal that an API credential authenticated; a missing one is answered with the API's 401.</summary>
internal sealed class ApiIdentityRequirement : AuthorizationHandler<ApiIdentityRequirement>, IAuthorizationRequirement
{
    public static readonly ApiIdentityRequirement Instance = new();

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiIdentityRequirement requirement)
    {
        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeyDefaults.Scheme }) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>Turns a failed scope requirement into 403 <c>insufficient_scope</c> naming the missing scopes.</summary>
internal sealed class ApiAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Forbidden && policy.Requirements.Contains(ApiIdentityRequirement.Instance))
        {
            var missing = result.AuthorizationFailure?.FailedRequirements
                .OfType<ClaimsAuthorizationRequirement>()
                .Where(r => r.ClaimType == ApiKeyDefaults.ScopeClaim)
                .SelectMany(r => r.AllowedValues ?? [])
                .ToList() ?? [];
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = ApiProblems.InsufficientScope(missing) });
            return;
        }
        await _default.HandleAsync(next, context, policy, result);
    }
}
