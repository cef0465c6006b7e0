using FieldCamp.Web.Auth;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Api;

/// <summary>
/// Refuses with 413 a body whose Content-Length is over <see cref="ApiOptions.MaxBodyBytes"/>, before anything reads
/// it. It runs after authentication, the credential check, the rate limits and authorization, not at the API's edge:
/// a caller without a valid credential hears the same 401 (or the failed-credential throttle's 429) whatever body it
/// sends, and a bad key sent with a large body still counts against its address. A chunked body over the limit meets
/// the same order, since only the endpoint (or the idempotency check) ever reads it.
/// </summary>
internal sealed class ApiBodyLimitMiddleware(RequestDelegate next, IOptions<ApiOptions> options, IProblemDetailsService problems)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = options.Value.MaxBodyBytes;
        // Kestrel drains or closes the unread rest after the response.
        return context.Request.ContentLength > limit && ApiKeyDefaults.IsApiRequest(context.Request)
            ? ApiBoundaryMiddleware.WriteTooLargeAsync(context, problems, limit).AsTask()
            : next(context);
    }
}
