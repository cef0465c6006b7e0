using Microsoft.AspNetCore.Routing.Template;

namespace FieldCamp.Web;

/// <summary>
/// An address that matches no route is missing, whatever the method: 404 (problem+json under /api). Routing alone
/// answers 405 to a POST or DELETE on such an address, because the static files' catch-all (<c>{**path:file}</c>, GET
/// and HEAD only) is a candidate for every path and routing weighs methods before that route's file constraint.
/// A real 405 (PUT on <c>/api/v1/clients</c>) stays: that address does match a route.
/// </summary>
internal sealed class UnmatchedAddressIsNotFound(RequestDelegate next, EndpointDataSource endpoints)
{
    // The display name routing gives the endpoint it substitutes when only the method does not match.
    private const string MethodNotAllowed = "405 HTTP Method Not Supported";

    private readonly Lazy<TemplateMatcher[]> _routes = new(() => [.. endpoints.Endpoints.OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("{**", StringComparison.Ordinal))
        .Select(e => new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')), []))]);

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.DisplayName == MethodNotAllowed && !_routes.Value.Any(route => route.TryMatch(context.Request.Path, [])))
            context.SetEndpoint(null);
        return next(context);
    }
}
