using System.Net;
using Microsoft.AspNetCore.Diagnostics;

namespace FieldCamp.Web.Data;

/// <summary>
/// A dashboard request (a page, the sign-in form) that met a database it could not reach: 503 with Retry-After and a
/// short page saying so, reported through <see cref="StoreOutage"/> once a minute. Without it each such request would
/// be a 500 with its own stack trace in the log, which anyone could repeat by posting the sign-in form.
/// The API answers its own way (ApiExceptionHandler, registered before this one).
/// </summary>
internal sealed class StoreOutagePageHandler(StoreOutage outage) : IExceptionHandler
{
    private const string Page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">
        <title>FieldCamp Console is unavailable</title></head>
        <body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
        <h1>{0}</h1>
        <p>Nothing you did caused this, and nothing was lost. Try again in a few seconds.</p>
        </body></html>
        """;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!StoreOutage.IsStoreFailure(exception) || context.Response.HasStarted) return false;
        outage.Report(exception, "answering a dashboard request");
        await WritePageAsync(context.Response, "FieldCamp Console cannot reach its database");
        return true;
    }

    /// <summary>The short 503 page, with Retry-After, naming what cannot be reached.</summary>
    public static Task WritePageAsync(HttpResponse response, string heading)
    {
        response.StatusCode = (int)HttpStatusCode.ServiceUnavailable;
        response.Headers.RetryAfter = StoreOutage.RetryAfter;
        response.ContentType = "text/html; charset=utf-8";
        return response.WriteAsync(Page.Replace("{0}", WebUtility.HtmlEncode(heading), StringComparison.Ordinal), response.HttpContext.RequestAborted);
    }
}
