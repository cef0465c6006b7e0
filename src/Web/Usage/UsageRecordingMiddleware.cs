using FieldCamp.Web.Auth;

namespace FieldCamp.Web.Usage;

/// <summary>
/// Adds each API request made with an existing key to that key's usage log once the response is complete, with its
/// final status (a 401 for a revoked key, a 429, a 500 from the exception handler). It runs before authentication,
/// because a refused credential ends the request there; it reads the credential the handler left on the request.
/// </summary>
internal sealed class UsageRecordingMiddleware(RequestDelegate next, UsageRecorder usage)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (ApiKeyDefaults.IsApiRequest(context.Request))
            context.Response.OnCompleted(static state =>
            {
                var (recorder, http) = ((UsageRecorder, HttpContext))state;
                if (http.Features.Get<IApiCredentialFeature>() is { KeyId: { } keyId } credential)
                    // A 429 is in the key's log, but is no use of the key: last used stays where it was.
                    recorder.Record(keyId, http, credential.Accepted && http.Response.StatusCode != StatusCodes.Status429TooManyRequests);
                return Task.CompletedTask;
            }, (usage, context));
        return next(context);
    }
}
