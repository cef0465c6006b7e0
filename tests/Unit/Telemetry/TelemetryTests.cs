using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Tests.Unit.Webhooks;
using FieldCamp.Web.Telemetry;
using FieldCamp.Web.Usage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FieldCamp.Tests.Unit.Telemetry;

/// <summary>
/// The OpenTelemetry SDK listens to every meter and activity source of its name in the process, whichever app made it:
/// these tests run alone, so the counts they read are their app's only.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}

/// <summary>The app with telemetry switched on, exporting to memory instead of OTLP.</summary>
public sealed class TelemetryAppFactory : AppFactory
{
    public TelemetryAppFactory()
    {
        Settings[TelemetryServices.EnabledSetting] = "true";
        Settings["OTEL_TRACES_EXPORTER"] = "none";
        // Every request traced, so each test sees its own.
        Settings[TelemetryServices.TraceSampleRatioSetting] = "1";
        Settings["OTEL_METRICS_EXPORTER"] = "none";
    }

    public List<MetricSnapshot> Metrics { get; } = [];
    public List<Activity> Spans { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddInMemoryExporter(Metrics))
            .WithTracing(tracing => tracing.AddInMemoryExporter(Spans)));
    }

    /// <summary>The metrics as of now: the latest snapshot of each (they are cumulative).</summary>
    public IReadOnlyDictionary<string, MetricSnapshot> ReadMetrics()
    {
        lock (Metrics) Metrics.Clear();
        Assert.True(Services.GetRequiredService<MeterProvider>().ForceFlush());
        lock (Metrics) return Metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
    }

    public Activity[] ReadSpans()
    {
        Services.GetRequiredService<TracerProvider>().ForceFlush();
        lock (Spans) return [.. Spans];
    }
}

[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests : IDisposable
{
    private readonly TelemetryAppFactory _app = new();

    public void Dispose() => _app.Dispose();

    /// <summary>The sum of a counter's points whose tags include all of <paramref name="tags"/>.</summary>
    private static long Sum(IReadOnlyDictionary<string, MetricSnapshot> metrics, string name, params (string Key, string Value)[] tags)
    {
        if (!metrics.TryGetValue(name, out var metric)) return 0;
        long sum = 0;
        foreach (var point in metric.MetricPoints)
        {
            var pointTags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags) pointTags[tag.Key] = tag.Value;
            if (tags.All(t => pointTags.TryGetValue(t.Key, out var value) && (value as string) == t.Value)) sum += point.GetSumLong();
        }
        return sum;
    }

    /// <summary>Counts appear once each answer is complete, just after the client has it: read until they are there.</summary>
    private Task<IReadOnlyDictionary<string, MetricSnapshot>> MetricsWhenAsync(Func<IReadOnlyDictionary<string, MetricSnapshot>, bool> ready) =>
        MetricsWhenAsync(_app, ready);

    private static async Task<IReadOnlyDictionary<string, MetricSnapshot>> MetricsWhenAsync(TelemetryAppFactory app,
        Func<IReadOnlyDictionary<string, MetricSnapshot>, bool> ready)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var metrics = app.ReadMetrics();
            if (ready(metrics) || deadline.Elapsed > TimeSpan.FromSeconds(10)) return metrics;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Metrics_CountRequestsByStatusAndScope_FailuresByCode_RefusalsByPolicy_AndCacheLookups()
    {
        var reader = await _app.CreateKeyAsync(scopes: ["clients:read"]);
        var limited = await _app.CreateKeyAsync(scopes: ["clients:read"], rateLimit: 1);
        // The limited key's two requests below in one window, so the second is refused.
        await Http.AwayFromTheMinutesEndAsync();
        using var readerClient = _app.CreateClient(reader.Secret);
        using var limitedClient = _app.CreateClient(limited.Secret);
        using var badClient = _app.CreateClient("fc_live_notarealkeyatallnotarealkeyatall0000");

        Assert.Equal(HttpStatusCode.OK, (await readerClient.GetAsync("/api/v1/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readerClient.GetAsync("/api/v1/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await badClient.GetAsync("/api/v1/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await limitedClient.GetAsync("/api/v1/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await limitedClient.GetAsync("/api/v1/clients")).StatusCode);

        var metrics = await MetricsWhenAsync(m => Sum(m, "fieldcamp.api.requests") >= 5 && m.ContainsKey("fieldcamp.usage.write_lag"));

        Assert.Equal(5, Sum(metrics, "fieldcamp.api.requests"));
        Assert.Equal(2, Sum(metrics, "fieldcamp.api.requests", ("status_class", "2xx"), ("scope", "clients:read")));
        Assert.Equal(1, Sum(metrics, "fieldcamp.api.requests", ("status_class", "4xx"), ("scope", Scopes.ApiKeysManage)));
        // The 401 and the 429 end before authorization: no scope was checked.
        Assert.Equal(2, Sum(metrics, "fieldcamp.api.requests", ("status_class", "4xx"), ("scope", FieldCampMetrics.NoScope)));

        Assert.Equal(1, Sum(metrics, "fieldcamp.auth.failures"));
        Assert.Equal(1, Sum(metrics, "fieldcamp.auth.failures", ("code", "invalid_key")));

        Assert.Equal(1, Sum(metrics, "fieldcamp.rate_limit.refusals"));
        Assert.Equal(1, Sum(metrics, "fieldcamp.rate_limit.refusals", ("policy", "key")));

        // Each key is read once, then served from memory (the malformed key never reaches the cache).
        Assert.Equal(2, Sum(metrics, "fieldcamp.key_cache.lookups", ("result", "miss")));
        Assert.Equal(2, Sum(metrics, "fieldcamp.key_cache.lookups", ("result", "hit")));

        // The framework's own request metrics come along.
        Assert.Contains("http.server.request.duration", metrics.Keys);
        // The usage writer has written the requests' log rows, and said how long after the first one.
        Assert.True(metrics["fieldcamp.usage.write_lag"].MetricPoints.Sum(p => p.GetHistogramCount()) >= 1);
    }

    [Fact]
    public async Task WebhookAttempts_AreCountedByOutcome()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var app = new TelemetryAppFactory { Clock = clock };
        app.Settings["Webhooks:AllowInsecureTargets"] = "true";
        await using var receiver = await WebhookReceiver.StartAsync(500);
        var endpoint = await app.AddEndpointAsync($"{receiver.BaseUrl}/in", "client.created", WebhookTestKit.NewSecret());
        _ = app.CreateClient();

        await app.AddEventAsync("client.created", new { id = "cli_1", name = "Ada" }, clock.UtcNow);
        await receiver.WaitForAsync(1);
        await app.DeliveryAfterAttemptsAsync(endpoint.Id, 1);
        clock.Advance(TimeSpan.FromSeconds(5));
        await receiver.WaitForAsync(2);
        await app.DeliveryAfterAttemptsAsync(endpoint.Id, 2);

        var metrics = await MetricsWhenAsync(app, m => Sum(m, "fieldcamp.webhooks.attempts") >= 2);
        Assert.Equal(1, Sum(metrics, "fieldcamp.webhooks.attempts", ("outcome", "failed")));
        Assert.Equal(1, Sum(metrics, "fieldcamp.webhooks.attempts", ("outcome", "delivered")));
        Assert.Equal(0, Sum(metrics, "fieldcamp.webhooks.attempts", ("outcome", "gave_up")));
    }

    [Fact]
    public async Task UsageLogFull_TheRequestsLeftOutAreCounted()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var app = new TelemetryAppFactory { Clock = clock, Settings = { ["ApiKeys:Usage:MaxPendingRows"] = "1" } };
        var key = await app.CreateKeyAsync(scopes: ["clients:read"]);

        // Four requests the log would keep apart (each its own user agent), with room for one row until the next write.
        // Recorded here rather than sent: a response's completion, where the app records it, can land after the write.
        var recorder = app.Services.GetRequiredService<UsageRecorder>();
        foreach (var agent in new[] { "one/1.0", "two/1.0", "three/1.0", "four/1.0" })
        {
            var http = new DefaultHttpContext { Request = { Method = "GET", Path = "/api/v1/clients", Headers = { UserAgent = agent } } };
            recorder.Record(key.Id, http, authenticated: true);
        }
        clock.Advance(TimeSpan.FromSeconds(1));

        var metrics = await MetricsWhenAsync(app, m => Sum(m, "fieldcamp.usage.dropped") >= 3);
        Assert.Equal(3, Sum(metrics, "fieldcamp.usage.dropped", ("reason", "full")));
        Assert.Contains(app.Logs.Entries, e => e.StartsWith("Warning") && e.Contains("The API key usage log was full: 3 requests"));
    }

    [Fact]
    public async Task Traces_HoldTheServerSpan_AndTheDatabaseReadOfAnUncachedKey_ButNotHealthChecks()
    {
        var key = await _app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = _app.CreateClient(key.Secret);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clients")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateClient().GetAsync("/health")).StatusCode);

        var spans = await SpansWhenAsync(s => s.Count(IsApiServerSpan) >= 2);
        var servers = spans.Where(IsApiServerSpan).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(2, servers.Count);
        Assert.DoesNotContain(spans, s => s.Kind == ActivityKind.Server && (s.GetTagItem("url.path") as string)?.StartsWith("/health") == true);

        List<Activity> KeyReadsUnder(Activity server) =>
            [.. spans.Where(s => s.Source.Name == TelemetryServices.DatabaseSource && s.TraceId == server.TraceId
                && s.ParentSpanId == server.SpanId && QueryText(s).Contains("SecretHash", StringComparison.Ordinal))];
        // Each request span ends with the answer: its route (as mapped: the group's prefix and the endpoint's "/", the
        // same value the framework's duration metric carries), status code and a name made of them.
        foreach (var server in servers)
        {
            Assert.Equal("GET /api/v1/clients/", server.DisplayName);
            Assert.Equal("/api/v1/clients/", server.GetTagItem("http.route"));
            Assert.Equal(200, server.GetTagItem("http.response.status_code"));
            Assert.Equal(ActivityStatusCode.Unset, server.Status);
        }
        // The first request reads the key from the database, inside its own trace; the second finds it in memory.
        var read = Assert.Single(KeyReadsUnder(servers[0]));
        Assert.Equal(ActivityKind.Client, read.Kind);
        Assert.Empty(KeyReadsUnder(servers[1]));
    }

    [Fact]
    public async Task A5xx_MarksTheRequestSpanAsAnError_A4xxDoesNot()
    {
        var store = new StoreSwitch();
        using var app = new TelemetryAppFactory { DbInterceptors = { store } };
        var key = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = app.CreateClient(key.Secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/api-keys")).StatusCode);
        // The key is in memory now; the list needs the database, which is gone.
        store.Down = true;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/api/v1/clients")).StatusCode);

        // A request's span ends just after its answer has gone: read until both are there.
        var spans = (await SpansWhenAsync(app, s => s.Count(IsApiServerSpan) >= 2)).Where(IsApiServerSpan).ToList();
        var refused = Assert.Single(spans, s => s.GetTagItem("http.route") as string == "/api/v1/api-keys/");
        Assert.Equal(403, refused.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, refused.Status);
        var failed = Assert.Single(spans, s => s.GetTagItem("http.route") as string == "/api/v1/clients/");
        Assert.Equal(503, failed.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        // The failure's type, as the conventions ask; its message is not kept.
        // On PostgreSQL, EF Core's retrying strategy gives up with an InvalidOperationException around the client's.
        var engineError = TestStore.IsPostgres ? typeof(InvalidOperationException) : typeof(Microsoft.Data.Sqlite.SqliteException);
        Assert.Equal(engineError.FullName, failed.GetTagItem("error.type"));
        Assert.Null(failed.StatusDescription);
    }

    [Fact]
    public async Task Sampling_KeepsTheSetShareOfTraces_FollowsASampledCaller_AndCountsEveryRequest()
    {
        using var app = new TelemetryAppFactory();
        app.Settings[TelemetryServices.TraceSampleRatioSetting] = "0";
        var key = await app.CreateKeyAsync(scopes: ["clients:read"]);
        using var client = app.CreateClient(key.Secret);

        for (var i = 0; i < 5; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/clients")).StatusCode);
        // A caller that traces this request itself (W3C traceparent, sampled flag set) gets it traced here too.
        var traceId = ActivityTraceId.CreateRandom();
        using var traced = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clients");
        traced.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(traced)).StatusCode);

        var metrics = await MetricsWhenAsync(app, m => Sum(m, "fieldcamp.api.requests") >= 6);
        Assert.Equal(6, Sum(metrics, "fieldcamp.api.requests"));
        var server = Assert.Single(app.ReadSpans(), IsApiServerSpan);
        Assert.Equal(traceId, server.TraceId);
    }

    [Fact]
    public async Task NoSecret_InAnySpanAttribute_OrMetricTag()
    {
        var key = await _app.CreateKeyAsync(scopes: ["clients:read"]);
        using var bearer = _app.CreateClient(key.Secret);
        using var header = _app.CreateClient(key.Secret, KeyHeader.XApiKey);
        using var bad = _app.CreateClient("fc_live_notarealkeyatallnotarealkeyatall0000");

        await bearer.GetAsync("/api/v1/clients");
        await header.GetAsync($"/api/v1/clients?api_key={key.Secret}&q=x");
        await bearer.GetAsync("/api/v1/api-keys");
        await bad.GetAsync($"/api/v1/clients?key={key.Secret}");
        // A key pasted into the path, or sent as the user agent by a misconfigured client.
        await bearer.GetAsync($"/api/v1/clients/{key.Secret}");
        using var pastedAgent = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clients");
        pastedAgent.Headers.TryAddWithoutValidation("User-Agent", $"deploy-bot {key.Secret}");
        await bearer.SendAsync(pastedAgent);
        await _app.CreateClient().GetAsync($"/account/login?token={key.Secret}");
        // Other places a caller chooses what the framework records: the host, the method, and the trace state of a
        // request it asks to be traced.
        using var pastedHost = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clients");
        pastedHost.Headers.Host = key.Secret;
        await bearer.SendAsync(pastedHost);
        await bearer.SendAsync(new HttpRequestMessage(new HttpMethod(key.Secret[8..]), "/api/v1/clients"));
        using var pastedState = new HttpRequestMessage(HttpMethod.Get, "/api/v1/clients");
        pastedState.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
        pastedState.Headers.Add("tracestate", $"vendor={key.Secret[8..]}");
        await bearer.SendAsync(pastedState);

        var spans = await SpansWhenAsync(s => s.Count(IsApiServerSpan) >= 9);
        Assert.True(spans.Count(IsApiServerSpan) >= 9);
        Assert.Contains(spans, s => s.GetTagItem("http.request.method") as string == "_OTHER" && s.DisplayName == "HTTP");
        Assert.DoesNotContain(spans, s => s.TraceStateString is not null);
        Assert.Contains(spans, s => s.GetTagItem("server.address") as string == "[redacted]");
        Assert.Contains(spans, s => s.GetTagItem("url.path") as string == "/api/v1/clients/[redacted]");
        Assert.Contains(spans, s => s.GetTagItem("user_agent.original") as string == "deploy-bot [redacted]");
        var metrics = await MetricsWhenAsync(m => Sum(m, "fieldcamp.api.requests") >= 4);

        var values = new List<string>();
        foreach (var span in spans)
        {
            values.Add(span.DisplayName);
            values.Add(span.StatusDescription ?? "");
            values.Add(span.TraceStateString ?? "");
            values.AddRange(span.TagObjects.Select(t => $"{t.Key}={t.Value}"));
            values.AddRange(span.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name} {t.Key}={t.Value}")));
            values.AddRange(span.Baggage.Select(b => $"{b.Key}={b.Value}"));
        }
        foreach (var metric in metrics.Values)
        {
            foreach (var point in metric.MetricPoints)
            {
                foreach (var tag in point.Tags) values.Add($"{metric.Name} {tag.Key}={tag.Value}");
            }
        }

        Assert.NotEmpty(values);
        Assert.DoesNotContain(values, v => v.Contains("fc_live_", StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Contains(key.Secret[8..], StringComparison.Ordinal));
        // Under /api the query is not recorded at all.
        Assert.DoesNotContain(spans.Where(IsApiServerSpan), s => s.GetTagItem("url.query") is not null);
    }

    private static bool IsApiServerSpan(Activity span) =>
        span.Kind == ActivityKind.Server && (span.GetTagItem("url.path") as string)?.StartsWith("/api/", StringComparison.Ordinal) == true;

    private static string QueryText(Activity span) =>
        (span.GetTagItem("db.query.text") ?? span.GetTagItem("db.statement")) as string ?? "";

    private Task<Activity[]> SpansWhenAsync(Func<Activity[], bool> ready) => SpansWhenAsync(_app, ready);

    private static async Task<Activity[]> SpansWhenAsync(TelemetryAppFactory app, Func<Activity[], bool> ready)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var spans = app.ReadSpans();
            if (ready(spans) || deadline.Elapsed > TimeSpan.FromSeconds(10)) return spans;
            await Task.Delay(50);
        }
    }
}

[Collection(TelemetryCollection.Name)]
public sealed class TelemetryOffTests
{
    [Fact]
    public async Task WithoutAnEndpointOrTheSetting_NoSdkServiceIsRegistered_AndTheApiStillAnswers()
    {
        using var app = new AppFactory();
        var key = await app.CreateKeyAsync(scopes: ["clients:read"]);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient(key.Secret).GetAsync("/api/v1/clients")).StatusCode);

        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(),
            service => service.GetType().Namespace?.StartsWith("OpenTelemetry", StringComparison.Ordinal) == true);
        // The app's own instruments exist either way; nothing reads them.
        Assert.NotNull(app.Services.GetService<FieldCampMetrics>());
    }
}
