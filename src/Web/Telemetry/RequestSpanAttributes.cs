using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace FieldCamp.Web.Telemetry;

/// <summary>
/// Gives a traced request's span (the framework's own, from the <c>Microsoft.AspNetCore</c> source) the OpenTelemetry
/// HTTP attributes: what the request says when it starts, and its route and status code when the answer is complete,
/// with a name made of both and an error status for a 5xx. ASP.NET Core 10 leaves the end to its instrumentation
/// package, which would cost every request an activity, and computes the start for every request, sampled or not, when
/// asked to; here only a request being traced pays (see <see cref="TelemetryServices"/>).
/// </summary>
internal sealed class RequestSpanAttributes(RequestDelegate next)
{
    // The methods HTTP's semantic conventions know; any other is recorded as "_OTHER". The text a caller sent there is
    // not kept (the conventions' http.request.method_original): it can be anything, a secret among others.
    private static readonly HashSet<string> KnownMethods =
        ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "QUERY"];

    public Task InvokeAsync(HttpContext context)
    {
        // Not async itself: a request not traced passes straight through, without a state machine of its own.
        var span = context.Features.Get<IHttpActivityFeature>()?.Activity;
        return span is { IsAllDataRequested: true, Source.Name: TelemetryServices.AspNetCoreHostingSource }
            ? TracedAsync(span, context)
            : next(context);
    }

    private async Task TracedAsync(Activity span, HttpContext context)
    {
        var method = Start(span, context.Request);
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            // Past the exception handler, the server answers 500. The type names the failure; its message is not kept.
            End(span, context, method, StatusCodes.Status500InternalServerError, exception.GetType().FullName);
            throw;
        }
        End(span, context, method, context.Response.StatusCode, errorType: null);
    }

    /// <summary>The request's attributes (SecretGuard redacts a key in what a caller chose), and the method as recorded.</summary>
    private static string Start(Activity span, HttpRequest request)
    {
        var method = KnownMethods.Contains(request.Method) ? request.Method : "_OTHER";
        span.SetTag("http.request.method", method);
        span.SetTag("url.scheme", request.Scheme);
        span.SetTag("url.path", request.Path.Value);
        span.SetTag("server.address", request.Host.Host);
        if (request.Host.Port is { } port) span.SetTag("server.port", port);
        if (request.Headers.UserAgent is { Count: > 0 } agent) span.SetTag("user_agent.original", agent.ToString());
        span.SetTag("network.protocol.version", request.Protocol switch
        {
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            "HTTP/3" => "3",
            "HTTP/1.0" => "1.0",
            _ => null,
        });
        return method;
    }

    private static void End(Activity span, HttpContext context, string method, int status, string? errorType)
    {
        span.SetTag("http.response.status_code", status);
        // An exception handled on the way clears the endpoint; the handler keeps the one the request had, and the error.
        var handled = context.Features.Get<IExceptionHandlerFeature>();
        var route = ((context.GetEndpoint() ?? handled?.Endpoint) as RouteEndpoint)?.RoutePattern.RawText;
        if (route is not null) span.SetTag("http.route", route);
        // The conventions name a request with an unknown method "HTTP", so a name never holds what a caller typed there.
        var name = method == "_OTHER" ? "HTTP" : method;
        span.DisplayName = route is null ? name : $"{name} {route}";
        // A server span is an error for a 5xx only; a 4xx is the caller's.
        if (status >= 500)
        {
            span.SetTag("error.type", errorType ?? handled?.Error.GetType().FullName ?? status.ToString(CultureInfo.InvariantCulture));
            span.SetStatus(ActivityStatusCode.Error);
        }
    }
}
