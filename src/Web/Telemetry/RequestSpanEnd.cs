using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace FieldCamp.Web.Telemetry;

/// <summary>
/// Completes the framework's request span with what is only known at the end: the status code, the route and a name
/// made of both, and an error status for a 5xx. ASP.NET Core 10 sets the OpenTelemetry attributes it knows when a
/// request starts (method, path, scheme, host, user agent) and leaves these to its instrumentation package, which
/// would cost every request an activity (see <see cref="TelemetryServices"/>). Only a request being traced pays here.
/// </summary>
internal sealed class RequestSpanEnd(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var span = context.Features.Get<IHttpActivityFeature>()?.Activity;
        if (span is not { IsAllDataRequested: true, Source.Name: TelemetryServices.AspNetCoreHostingSource })
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            // Past the exception handler, the server answers 500. The type names the failure; its message is not kept.
            Complete(span, context, StatusCodes.Status500InternalServerError, exception.GetType().FullName);
            throw;
        }
        Complete(span, context, context.Response.StatusCode, errorType: null);
    }

    private static void Complete(Activity span, HttpContext context, int status, string? errorType)
    {
        span.SetTag("http.response.status_code", status);
        span.SetTag("network.protocol.version", context.Request.Protocol switch
        {
            "HTTP/1.1" => "1.1",
            "HTTP/2" => "2",
            "HTTP/3" => "3",
            "HTTP/1.0" => "1.0",
            _ => null,
        });
        // The method as the framework recorded it: a method it does not know is "_OTHER", so a name never holds what a
        // caller typed there (the conventions call such a request "HTTP").
        var method = span.GetTagItem("http.request.method") as string is { } known and not "_OTHER" ? known : "HTTP";
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        if (route is not null) span.SetTag("http.route", route);
        span.DisplayName = route is null ? method : $"{method} {route}";
        // OpenTelemetry's HTTP conventions: a server span is an error for a 5xx only; a 4xx is the caller's.
        if (status >= 500)
        {
            span.SetTag("error.type", errorType ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            span.SetStatus(ActivityStatusCode.Error);
        }
    }
}
