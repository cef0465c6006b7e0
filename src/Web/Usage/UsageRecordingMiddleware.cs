using FieldCamp.Web.Auth;
using FieldCamp.Web.Telemetry;

namespace FieldCamp.Web.Usage;

/// <summary>
/// Adds each API request made with an existing key to that key's usage log once the response is complete, with its
/// final status (a 401 for a revoked key, a 429, a 500 from the exception handler). It runs before authentication,
/// because a refused credential ends the request there; it reads the credential the handler left on the request.
/// Every API answer, with a key or not, is also counted in the <c>fieldcamp.api.requests</c> metric there.
/// </summary>
internal sealed class UsageRecordingMiddleware(RequestDelegate next, UsageRecorder usage, FieldCampMetrics metrics)
{
    // One callback for every request, with the request as its state: nothing to allocate per request for it.
    private readonly Func<object, Task> _completed = state =>
    {
        var http = (HttpContext)state;
        // Every API answer, with or without a key, by status class and the scope authorization checked (if it ran).
        metrics.ApiRequest(http.Response.StatusCode, http.Features.Get<ScopeRequirement>()?.Scope);
        if (http.Features.Get<IApiCredentialFeature>() is { KeyId: { } keyId } credential)
            // A 429 is in the key's log, but is no use of the key: last used stays where it was.
            usage.Record(keyId, http, credential.Accepted && http.Response.StatusCode != StatusCodes.Status429TooManyRequests);
        return Task.CompletedTask;
    };

    public Task InvokeAsync(HttpContext context)
    {
        if (ApiKeyDefaults.IsApiRequest(context.Request)) context.Response.OnCompleted(_completed, context);
        return next(context);
    }
}
