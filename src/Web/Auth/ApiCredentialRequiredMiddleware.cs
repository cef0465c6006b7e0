using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Right after authentication: an <c>/api</c> request with no credential is answered 401 <c>missing_credentials</c>
/// here, whether its address matches an endpoint or not. An endpoint mapped without a policy stays closed, and an
/// anonymous caller cannot tell which addresses exist. The only exception is an endpoint that proves its caller by
/// other means and says so with <c>AllowAnonymous()</c> (the signed leak reports).
/// </summary>
internal sealed class ApiCredentialRequiredMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!ApiKeyDefaults.IsApiRequest(context.Request)
            || context.Features.Get<IApiCredentialFeature>() is not null
            || context.User.Identity?.IsAuthenticated == true
            // Routing has run already (it comes first in the pipeline), so the endpoint's metadata is known here.
            || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            return next(context);
        // The scheme's own challenge: the same 401 body and WWW-Authenticate header as any missing credential.
        return context.ChallengeAsync(ApiKeyDefaults.Scheme);
    }
}
