using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// The machine-readable description of the API (OpenAPI 3.1 at <c>/openapi/v1.json</c>) and the interactive reference
/// page built from it (<c>/docs/api</c>). Both are generated from the endpoints themselves: an endpoint mapped with the
/// usual <c>WithName</c>/<c>WithSummary</c>/<c>WithTags</c>/<c>RequireScope</c> and typed results appears with its
/// scope, security, error responses and examples, with nothing written for it here.
/// </summary>
public static class ApiReferenceSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/docs/api";

    public static IServiceCollection AddApiReference(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            // Written out: the package's next major version moves its default to 3.2, which fewer tools read.
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = IsDocumented;
            options.AddOperationTransformer<ApiOperationTransformer>();
            options.AddSchemaTransformer<ApiSchemaTransformer>();
            options.AddDocumentTransformer<ApiDocumentTransformer>();
        });
        // The document is built anew for each request (a tenth of a second here), and anyone may ask for it.
        services.AddOutputCache();
        return services;
    }

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        // Anonymous like the rest of the reference: it describes the API, and holds nothing of any tenant. Kept ten
        // minutes, one copy whatever the Host header says: building it takes a tenth of a second, and a cache keyed by
        // a value any anonymous caller picks would let them make the server build it again and again.
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous()
            .CacheOutput(cache => cache.Expire(TimeSpan.FromMinutes(10)).SetVaryByHost(false));
        app.MapScalarApiReference(PagePath, options =>
        {
            options.WithTitle("FieldCamp API reference")
                .WithOpenApiRoutePattern(DocumentPath)
                // Everything from this server: no web fonts, telemetry, AI chat or request proxy on another site.
                .DisableDefaultFonts()
                .DisableTelemetry()
                // One scheme at a time (several preferred ones would be sent together): bearer first, X-Api-Key a pick away.
                .AddPreferredSecuritySchemes(ApiDocumentTransformer.BearerScheme)
                .WithDefaultHttpClient(ScalarTarget.Shell, ScalarClient.Curl);
            options.Agent = new ScalarAgentOptions { Disabled = true };
            options.Mcp = new ScalarMcpOptions { Disabled = true };
            // And the browser holds the page to it: scripts, styles, fonts, images and requests from this server only.
            // (Inline scripts: the page starts Scalar with one.)
            options.HeadContent = $"""<meta http-equiv="Content-Security-Policy" content="{ContentSecurityPolicy}" />""";
            options.ShowDeveloperTools = DeveloperToolsVisibility.Never;   // its Share and Generate SDK buttons go to Scalar's site
            options.ShowOperationId = true;
            options.HideClientButton = true;
            options.DocumentDownloadType = DocumentDownloadType.Json;
        }).AllowAnonymous()
            // HEAD answers as GET does (the redirect to /docs/api/, the page, its assets), as on every other GET here.
            .AnswerHeadLikeGet();
        return app;
    }

    /// <summary>What the reference page may load: everything from this server, nothing from any other.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'self'; form-action 'self'";

    /// <summary>
    /// The public API only: <c>/api/v1</c> (not the old <c>/api/company-info</c> alias, nor the dashboard's pages and
    /// downloads), once per operation (a GET's HEAD twin answers the same and is left out).
    /// </summary>
    internal static bool IsDocumented(ApiDescription description) =>
        description.RelativePath is { } path && path.StartsWith("api/v1/", StringComparison.Ordinal)
        && !string.Equals(description.HttpMethod, HttpMethods.Head, StringComparison.OrdinalIgnoreCase);

}
