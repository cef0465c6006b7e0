using FieldCamp.Web.Auth;
using FieldCamp.Web.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Api;

/// <summary>
/// The API's outer edge, ahead of usage recording and authentication: every <c>/api</c> answer is marked never to be
/// cached or content-sniffed, and Kestrel is told to stop reading a body past <see cref="ApiOptions.MaxBodyBytes"/>
/// (its default would read 30 MB). A body that turns out too large while being read, however it came to light, is
/// answered with the one 413 problem. A body declared too large is refused later, by <see cref="ApiBodyLimitMiddleware"/>,
/// once the credential has had its say.
/// </summary>
internal sealed class ApiBoundaryMiddleware(RequestDelegate next, IOptions<ApiOptions> options, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!ApiKeyDefaults.IsApiRequest(context.Request))
        {
            await next(context);
            return;
        }

        // The headers every API answer carries, set at OnStarting so that they survive whatever clears the response on
        // the way (the exception handler does) and reach every answer: 401s from the handler, 429s, 400s, 404s, 500s.
        // A response may carry a secret (a new key): no proxy or browser cache may keep it. An accepted credential
        // adds its expiry and where it stands against its rate limit.
        context.Response.OnStarting(static state =>
        {
            var response = (HttpResponse)state;
            var headers = response.Headers;
            headers.CacheControl = "no-store";
            headers.XContentTypeOptions = "nosniff";
            var features = response.HttpContext.Features;
            if (features.Get<IApiCredentialFeature>() is { Accepted: true, ExpiresAtHeader.Count: > 0 } credential)
                headers[ApiKeyDefaults.ExpiresAtHeader] = credential.ExpiresAtHeader;
            features.Get<RateLimitHeaders>()?.WriteTo(headers);
            return Task.CompletedTask;
        }, context.Response);

        var limit = options.Value.MaxBodyBytes;
        // Set before anything can read the body. A chunked body has no length up front: Kestrel counts it as it is
        // read and throws past the limit.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;

        try
        {
            await next(context);
            // The framework refuses a body that is not JSON with a bare 415 (it throws only for 400s); say what to send.
            if (context.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType && !context.Response.HasStarted)
                await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = ApiProblems.UnsupportedMediaType() });
            // Likewise a bare 413: the endpoint's body reader sets the status and writes nothing when Kestrel stops a
            // chunked body at the limit. The same problem, with its detail, as every other 413.
            else if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
                await WriteTooLargeAsync(context, problems, limit);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            context.Response.Clear();
            await WriteTooLargeAsync(context, problems, limit);
        }
    }

    /// <summary>The one 413 of the API, whichever way the body was found too large.</summary>
    internal static ValueTask WriteTooLargeAsync(HttpContext context, IProblemDetailsService problems, long limit)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The client may still be sending: tell it the connection ends here rather than leave it writing into the void.
        context.Response.Headers.Connection = "close";
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = ApiProblems.PayloadTooLarge(limit) });
    }
}
