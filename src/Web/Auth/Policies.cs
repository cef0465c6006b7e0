using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Api;
using FieldCamp.Web.Usage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.Features.Authentication;
using System.Security.Claims;

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
            builder.AddPolicy(Scope(scope), policy => policy.AddRequirements(ApiIdentityRequirement.Instance, new ScopeRequirement(scope)));
        builder.Services.AddSingleton<IAuthorizationHandler, ApiRequirementsHandler>();
        builder.Services.AddTransient<PolicyEvaluator>();
        builder.Services.AddSingleton<IPolicyEvaluator, ApiPolicyEvaluator>();
        return builder;
    }

    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoint, string scope) where TBuilder : IEndpointConventionBuilder =>
        endpoint.RequireAuthorization(Scope(scope));
}

/// <summary>A requirement of the API's policies: a rule on the credential alone, the same for every request it makes.</summary>
internal interface IApiRequirement : IAuthorizationRequirement
{
    bool IsMetBy(ClaimsPrincipal user);
}

/// <summary>Met by a principal that an API credential authenticated; a missing one is answered with the API's 401.</summary>
internal sealed class ApiIdentityRequirement : IApiRequirement
{
    public static readonly ApiIdentityRequirement Instance = new();

    public bool IsMetBy(ClaimsPrincipal user) => user.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeyDefaults.Scheme };
}

/// <summary>Met when the credential has <see cref="Scope"/>, granted or implied (one scope claim per effective scope).</summary>
internal sealed class ScopeRequirement(string scope) : IApiRequirement
{
    public string Scope { get; } = scope;

    public bool IsMetBy(ClaimsPrincipal user) => user.HasClaim(ApiKeyDefaults.ScopeClaim, Scope);
}

/// <summary>
/// The framework's way to the API's requirements, for anything that evaluates the policies through
/// <see cref="IAuthorizationService"/>; requests take <see cref="ApiPolicyEvaluator"/>, with the same rule.
/// </summary>
internal sealed class ApiRequirementsHandler : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        // A copy: Succeed takes the requirement out of the pending set.
        foreach (var requirement in context.PendingRequirements.OfType<IApiRequirement>().ToList())
        {
            if (requirement.IsMetBy(context.User)) context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// Decides the API's own policies straight from the principal the authentication middleware holds, and leaves every
/// other policy (the dashboard's) to the framework's <see cref="PolicyEvaluator"/>. An API policy names no scheme and
/// holds only <see cref="IApiRequirement"/>s, rules on the credential alone, so it needs none of the framework's
/// per-request machinery (authorization services built for the request, a handler context, the handler pipeline), which
/// on an authenticated API call costs more than the rest of the authorization step together. The verdict is the
/// framework's: success when every requirement is met; otherwise forbidden, naming the unmet requirements, for an
/// authenticated caller, and a challenge for anyone else (ApiPolicyEvaluatorTests compares the two).
/// </summary>
internal sealed class ApiPolicyEvaluator : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Succeeded = Task.FromResult(PolicyAuthorizationResult.Success());

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context) =>
        IsApiPolicy(policy)
            ? Task.FromResult(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult ?? AuthenticateResult.NoResult())
            : Framework(context).AuthenticateAsync(policy, context);

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult,
        HttpContext context, object? resource)
    {
        if (!IsApiPolicy(policy)) return Framework(context).AuthorizeAsync(policy, authenticationResult, context, resource);
        List<IAuthorizationRequirement>? unmet = null;
        var requirements = policy.Requirements;
        for (var i = 0; i < requirements.Count; i++)   // by index: a foreach over the interface would allocate
        {
            var requirement = requirements[i];
            // A combined policy can hold one requirement more than once; the framework reports it once.
            if (!((IApiRequirement)requirement).IsMetBy(context.User) && unmet?.Contains(requirement) != true) (unmet ??= []).Add(requirement);
        }
        if (unmet is null) return Succeeded;
        return Task.FromResult(authenticationResult.Succeeded
            ? PolicyAuthorizationResult.Forbid(AuthorizationFailure.Failed(unmet))
            : PolicyAuthorizationResult.Challenge());
    }

    private static bool IsApiPolicy(AuthorizationPolicy policy)
    {
        var requirements = policy.Requirements;
        if (policy.AuthenticationSchemes.Count > 0 || requirements.Count == 0) return false;
        for (var i = 0; i < requirements.Count; i++)
        {
            if (requirements[i] is not IApiRequirement) return false;
        }
        return true;
    }

    // The framework's evaluator is transient (it uses per-request authorization services), so it comes from the request.
    private static PolicyEvaluator Framework(HttpContext context) => context.RequestServices.GetRequiredService<PolicyEvaluator>();
}

/// <summary>
/// Turns a failed scope requirement into 403 <c>insufficient_scope</c> naming the missing scopes, and counts, per key,
/// the scopes its requests needed: allowed ones for the endpoint's required scope (not the <c>*</c> or write scope that
/// granted it), refused ones for each missing scope. Counting is in memory; <see cref="UsageWriter"/> stores it.
/// </summary>
internal sealed class ApiAuthorizationResultHandler(IProblemDetailsService problems, UsageRecorder usage) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded)
        {
            CountAllowed(context, policy);
            return _default.HandleAsync(next, context, policy, result);
        }
        if (!result.Forbidden || !policy.Requirements.Contains(ApiIdentityRequirement.Instance))
            return _default.HandleAsync(next, context, policy, result);
        NoteRequiredScope(context, policy);
        return WriteInsufficientScopeAsync(context, result.AuthorizationFailure);
    }

    /// <summary>
    /// Leaves the endpoint's required scope on the request for the <c>fieldcamp.api.requests</c> metric, which
    /// <see cref="UsageRecordingMiddleware"/> counts once the answer is complete. The requirement itself is the feature:
    /// one object per scope, made once, so this allocates nothing.
    /// </summary>
    private static void NoteRequiredScope(HttpContext context, AuthorizationPolicy policy)
    {
        var requirements = policy.Requirements;
        for (var i = 0; i < requirements.Count; i++)
        {
            if (requirements[i] is not ScopeRequirement scope) continue;
            context.Features.Set(scope);
            return;
        }
    }

    private void CountAllowed(HttpContext context, AuthorizationPolicy policy)
    {
        var requirements = policy.Requirements;
        for (var i = 0; i < requirements.Count; i++)   // by index: this runs on every authorized request
        {
            if (requirements[i] is not ScopeRequirement scope) continue;
            context.Features.Set(scope);   // see NoteRequiredScope
            if (KeyIdOf(context) is { } keyId) usage.RecordScope(keyId, scope.Scope, allowed: true);
        }
    }

    private Task WriteInsufficientScopeAsync(HttpContext context, AuthorizationFailure? failure)
    {
        var missing = failure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).Distinct().ToList() ?? [];
        if (KeyIdOf(context) is { } keyId)
        {
            foreach (var scope in missing) usage.RecordScope(keyId, scope, allowed: false);
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = ApiProblems.InsufficientScope(missing) }).AsTask();
    }

    /// <summary>The API key behind the request; null for anything else (a legacy token has no key to count against).</summary>
    private static string? KeyIdOf(HttpContext context) => context.Features.Get<IApiCredentialFeature>()?.KeyId;
}
