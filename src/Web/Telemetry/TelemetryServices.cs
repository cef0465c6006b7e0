using FieldCamp.Web.Auth;
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
    /// <summary>The framework's request spans.</summary>
    public const string AspNetCoreHostingSource = "Microsoft.AspNetCore";
    private const string AspNetCoreHostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string AspNetCoreDiagnosticsMeter = "Microsoft.AspNetCore.Diagnostics";

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
            // Ours, and the framework's request durations, Kestrel's connections and unhandled exceptions. Not the
            // framework's per-request routing, authentication and authorization counters: ours count what matters of
            // those (failures by code, refusals by policy), and each meter listened to costs every request.
            metrics.AddMeter(FieldCampMetrics.MeterName, AspNetCoreHostingMeter, KestrelMeter, AspNetCoreDiagnosticsMeter);
            // Of hosting's two, the duration histogram (by route and status) is what dashboards need; the count of
            // requests in progress costs two measurements per request, and a dropped instrument is never switched on.
            metrics.AddView("http.server.active_requests", MetricStreamConfiguration.Drop);
            // On PostgreSQL, Npgsql's own: connection pool use and command durations. (Its spans would repeat EF Core's.)
            if (Data.DatabaseSetup.Provider(configuration) == Data.StoreProvider.Postgres) metrics.AddMeter("Npgsql");
            if (exportMetrics) metrics.AddOtlpExporter();
        });
        telemetry.WithTracing(tracing =>
        {
            // The framework's own request span: a request not sampled costs no span at all, which the instrumentation
            // package's diagnostic listener did not allow. RequestSpanAttributes gives a sampled one its attributes.
            tracing.AddSource(AspNetCoreHostingSource);
            // The SQL text is recorded; it is parameterized (a key's digest is a parameter). Parameter values are not
            // recorded, and SecretGuard removes them should the instrumentation's experimental switch turn them on.
            // Only database calls made for a traced request: the background jobs poll every second or so (webhook
            // deliveries, the usage writer), and a trace of one query each time would bury the requests' traces.
            tracing.AddEntityFrameworkCoreInstrumentation(options => options.Filter = static (_, _) => InsideATracedRequest());
            tracing.AddProcessor(new SecretGuard());
            // Tracing every request costs the API about a fifth of its throughput (bench/telemetry.sh): unless the
            // standard OTEL_TRACES_SAMPLER says otherwise, a share of the traces is kept, and a caller's own decision
            // (a sampled traceparent) is followed. Metrics count every request either way.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_TRACES_SAMPLER"]))
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(
                    configuration.GetValue(TraceSampleRatioSetting, DefaultTraceSampleRatio))));
            if (exportTraces) tracing.AddOtlpExporter();
        });
        return services;
    }

    /// <summary>First in the pipeline when telemetry is on: a request span holds the request as it came, and ends with the
    /// answer the client got.</summary>
    public static WebApplication UseRequestSpanAttributes(this WebApplication app)
    {
        if (IsEnabled(app.Configuration)) app.UseMiddleware<RequestSpanAttributes>();
        return app;
    }

    /// <summary>Requests worth a trace: not the health checks, not static files (the framework's scripts, assets, icons).</summary>
    internal static bool IsTraced(string path)
    {
        if (IsUnder(path, "/health") || IsUnder(path, "/_framework") || IsUnder(path, "/_content")) return false;
        return IsUnder(path, "/api") || IsUnder(path, "/openapi") || !Path.HasExtension(path);
    }

    private static bool IsUnder(string path, string segment) => new PathString(path).StartsWithSegments(segment);

    /// <summary>A request span's path, as RequestSpanAttributes records it before anything else runs.</summary>
    private static string? RequestPath(System.Diagnostics.Activity activity) =>
        activity.Source.Name == AspNetCoreHostingSource ? activity.GetTagItem("url.path") as string : null;

    /// <summary>Whether a database call belongs to a traced request (the span around it, if started already, aside).</summary>
    private static bool InsideATracedRequest()
    {
        var current = System.Diagnostics.Activity.Current;
        if (current?.Source.Name == DatabaseSource) current = current.Parent;
        while (current?.Parent is { } parent) current = parent;
        return current is not null && (RequestPath(current) is not { } path || IsTraced(path));
    }

    /// <summary>
    /// Last look at every span before it is exported: a request not worth a trace is dropped (the exporter skips a span
    /// not marked recorded). Whatever a caller chose and a span records (path, user agent, host) has a pasted key or
    /// JWT redacted, as in the request log. No query string, trace state, database parameter value or exception message
    /// is kept.
    /// </summary>
    internal sealed class SecretGuard : BaseProcessor<System.Diagnostics.Activity>
    {
        public override void OnEnd(System.Diagnostics.Activity activity)
        {
            if (RequestPath(activity) is { } path && !IsTraced(path))
            {
                activity.ActivityTraceFlags &= ~System.Diagnostics.ActivityTraceFlags.Recorded;
                return;
            }
            List<KeyValuePair<string, string?>>? changes = null;
            foreach (var tag in activity.TagObjects)
            {
                if (tag.Key.StartsWith("db.query.parameter.", StringComparison.Ordinal) || tag.Key == "url.query")
                    (changes ??= []).Add(new(tag.Key, null));
                else if (tag.Value is string text && !ReferenceEquals(SecretText.Redact(text), text))
                    (changes ??= []).Add(new(tag.Key, SecretText.Redact(text)));
            }
            if (changes is not null)
                foreach (var (key, value) in changes) activity.SetTag(key, value);
            // A caller's trace state is opaque text it chose, which no pattern can vouch for: it is not exported.
            activity.TraceStateString = null;
            if (activity.StatusDescription is not null) activity.SetStatus(activity.Status);
        }
    }

    private static bool IsNone(string? exporter) => string.Equals(exporter?.Trim(), "none", StringComparison.OrdinalIgnoreCase);
}
