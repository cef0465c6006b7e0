using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FieldCamp.Web.Telemetry;

/// <summary>
/// OpenTelemetry metrics and traces, switched on by <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>Telemetry:Enabled</c>.
/// Otherwise none of the SDK is registered: the app's instruments exist, but with no listener their counts cost next to
/// nothing and go nowhere. The OTLP exporter reads the standard <c>OTEL_*</c> variables (endpoint, protocol, headers,
/// service name, resource attributes); <c>OTEL_TRACES_EXPORTER</c> / <c>OTEL_METRICS_EXPORTER</c> set to <c>none</c>
/// leave that signal without the exporter.
/// </summary>
internal static class TelemetryServices
{
    public const string EnabledSetting = "Telemetry:Enabled";
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    /// <summary>The share of requests traced (0–1) when <c>OTEL_TRACES_SAMPLER</c> is not set.</summary>
    public const string TraceSampleRatioSetting = "Telemetry:TraceSampleRatio";
    public const double DefaultTraceSampleRatio = 0.1;
    public const string DefaultServiceName = "fieldcamp-console";

    /// <summary>The EF Core instrumentation's own source: its spans are the database calls.</summary>
    public const string DatabaseSource = "OpenTelemetry.Instrumentation.EntityFrameworkCore";

    public static bool IsEnabled(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]) || configuration.GetValue<bool>(EnabledSetting);

    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (!IsEnabled(configuration)) return services;

        var exportTraces = !IsNone(configuration["OTEL_TRACES_EXPORTER"]);
        var exportMetrics = !IsNone(configuration["OTEL_METRICS_EXPORTER"]);
        var telemetry = services.AddOpenTelemetry();
        // OTEL_SERVICE_NAME, when set, names the service; the SDK reads it itself.
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
            telemetry.ConfigureResource(resource => resource.AddService(DefaultServiceName));
        telemetry.WithMetrics(metrics =>
        {
            // Ours, and the framework's (request durations, Kestrel connections, authentication, rate limiting …).
            metrics.AddMeter(FieldCampMetrics.MeterName).AddAspNetCoreInstrumentation();
            // On PostgreSQL, Npgsql's own: connection pool use and command durations. (Its spans would repeat EF Core's.)
            if (Data.DatabaseSetup.Provider(configuration) == Data.StoreProvider.Postgres) metrics.AddMeter("Npgsql");
            if (exportMetrics) metrics.AddOtlpExporter();
        });
        telemetry.WithTracing(tracing =>
        {
            tracing.AddAspNetCoreInstrumentation(options =>
            {
                options.Filter = context => IsTraced(context.Request);
                // No header is recorded (the instrumentation records none unless asked), and no body, nor any exception
                // message (it could quote a value); query values are redacted by the instrumentation, and under /api the
                // query is not recorded at all: a key pasted into an address must not reach the tracing backend.
                options.RecordException = false;
                options.EnrichWithHttpRequest = static (activity, request) =>
                {
                    if (Auth.ApiKeyDefaults.IsApiRequest(request)) activity.SetTag("url.query", null);
                };
            });
            // The SQL text is recorded; it is parameterized (a key's digest is a parameter). Parameter values are not
            // recorded, and SecretGuard removes them should the instrumentation's experimental switch turn them on.
            // Only database calls made for a request: the background jobs poll every second or so (webhook deliveries,
            // the usage writer), and a trace of one query each time would bury the requests' traces.
            tracing.AddEntityFrameworkCoreInstrumentation(options => options.Filter = static (_, _) => InsideARequest());
            tracing.AddProcessor(new SecretGuard());
            // Tracing every request costs the API about an eighth of its throughput (bench/telemetry.sh): unless the
            // standard OTEL_TRACES_SAMPLER says otherwise, a share of the traces is kept, and a caller's own decision
            // (a sampled traceparent) is followed. Metrics count every request either way.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_TRACES_SAMPLER"]))
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(
                    configuration.GetValue(TraceSampleRatioSetting, DefaultTraceSampleRatio))));
            if (exportTraces) tracing.AddOtlpExporter();
        });
        return services;
    }

    /// <summary>Requests worth a trace: not the health checks, not static files (the framework's scripts, assets, icons).</summary>
    internal static bool IsTraced(HttpRequest request)
    {
        var path = request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content"))
            return false;
        return Auth.ApiKeyDefaults.IsApiRequest(request) || path.StartsWithSegments("/openapi") || !Path.HasExtension(path.Value);
    }

    /// <summary>Whether a database call belongs to a traced operation (the span around it, if started already, aside).</summary>
    private static bool InsideARequest()
    {
        var current = System.Diagnostics.Activity.Current;
        if (current?.Source.Name == DatabaseSource) current = current.Parent;
        return current is not null;
    }

    /// <summary>
    /// Last look at every span before it is exported: no query string of an API address (even if the redaction the
    /// instrumentation does by default is switched off by its environment variable) and no database parameter value.
    /// </summary>
    internal sealed class SecretGuard : BaseProcessor<System.Diagnostics.Activity>
    {
        public override void OnEnd(System.Diagnostics.Activity activity)
        {
            List<string>? remove = null;
            foreach (var tag in activity.TagObjects)
            {
                if (tag.Key.StartsWith("db.query.parameter.", StringComparison.Ordinal)
                    || (tag.Key == "url.query" && activity.GetTagItem("url.path") is string path && path.StartsWith("/api", StringComparison.OrdinalIgnoreCase)))
                    (remove ??= []).Add(tag.Key);
            }
            if (remove is null) return;
            foreach (var key in remove) activity.SetTag(key, null);
        }
    }

    private static bool IsNone(string? exporter) => string.Equals(exporter?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
}
