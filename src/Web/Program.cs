using FieldCamp.Web;
using FieldCamp.Web.Api;
using FieldCamp.Web.ApiReference;
using FieldCamp.Web.Audit;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Cli;
using FieldCamp.Web.Components;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Health;
using FieldCamp.Web.Idempotency;
using FieldCamp.Web.Incidents;
using FieldCamp.Web.KeyPolicies;
using FieldCamp.Web.Data;
using FieldCamp.Web.Notices;
using FieldCamp.Web.Oversight;
using FieldCamp.Web.RateLimiting;
using FieldCamp.Web.Rotation;
using FieldCamp.Web.Scaling;
using FieldCamp.Web.Telemetry;
using FieldCamp.Web.Usage;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

// `apikey …`, `user …` and `db …` run the operator command line against the same database instead of the server; any
// other first word that is not an option is a mistake, answered with the usage and exit code 2.
if (!OperatorCommands.StartsServer(args))
    return await OperatorCommands.RunAsync(args, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
// The framework's and MudBlazor's files (_framework/blazor.web.js, _content/MudBlazor/…) come from their packages when
// the app runs from its build output; Development does this by itself, this makes `dotnet run` work in Production too.
// A published app has them in wwwroot, and then this finds nothing to add.
builder.WebHost.UseStaticWebAssets();
var services = builder.Services;

services.AddFieldCampCore(builder.Configuration, builder.Environment.ContentRootPath);

// Integrations use the API key scheme under /api; people use Identity cookies everywhere else. The API key scheme is
// the default and hands every request outside /api to the cookie, so each request is authenticated once, by one
// scheme, and a dashboard cookie never reaches the API.
services.AddAuthentication(ApiKeyDefaults.Scheme)
    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, options =>
        options.ForwardDefaultSelector = context => ApiKeyDefaults.IsApiRequest(context.Request) ? null : IdentityConstants.ApplicationScheme)
    .AddIdentityCookies();
services.AddIdentityCore<ApplicationUser>(options =>
    {
        options.User.RequireUniqueEmail = true;
        // The user name is the e-mail address, checked as one; Identity's default letters-and-digits rule would refuse
        // an invited o'brien@… or josé@… only when they accept.
        options.User.AllowedUserNameCharacters = "";
        // Wrong passwords never lock an account (anyone knowing an owner's e-mail could keep them out): SignInThrottle
        // slows the clients that fail instead. A lock set on purpose (LockoutEnd) still keeps a person out.
        options.Lockout.AllowedForNewUsers = true;
    })
    .AddEntityFrameworkStores<AppDbContext>()
    .AddSignInManager()
    .AddDefaultTokenProviders();
services.ConfigureApplicationCookie(options =>
{
    options.LoginPath = "/account/login";
    options.Cookie.Name = "fieldcamp.session";
    options.ExpireTimeSpan = TimeSpan.FromHours(8);
    options.SlidingExpiration = true;
    // Never sent over plain HTTP outside Development, where http://localhost has to work. (Only this cookie: the
    // antiforgery cookie proves nothing alone, and with Always the antiforgery system refuses every plain-HTTP request
    // outright, which would break a TLS-terminating proxy that forwards plain HTTP.)
    options.Cookie.SecurePolicy = builder.Environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
    // Signing in on the sign-in page, the cookie handler would itself redirect to the page's ReturnUrl, checking only
    // that it starts with one "/": "/café" went into the Location header, which Kestrel refuses (500 after a right
    // password). The sign-in page picks the address itself (SignInReturnUrl) and redirects; the handler must not.
    options.Events.OnRedirectToReturnUrl = _ => Task.CompletedTask;
});
// The session cookie's security stamp is checked against the database on every request, so signing out (which renews
// the stamp) ends the session on the server: a copy of the cookie taken before stops working at once. Simpler than a
// server-side session store, and with no table to add. It costs two indexed reads (the person and their claims) and a
// renewed cookie per dashboard request; the API never reads this cookie.
services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.Zero);
services.AddSingleton<SignInThrottle>();
services.AddSingleton<SignInDecoy>();
services.AddScoped<SignInAttempts>();
services.AddAuthorizationBuilder().AddApiPolicies();
services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();

services.AddOptions<LegacyJwtOptions>().Bind(builder.Configuration.GetSection(LegacyJwtOptions.Section)).ValidateOnStart();
services.AddSingleton<IValidateOptions<LegacyJwtOptions>, LegacyJwtOptionsValidation>();
services.AddSingleton<LegacyJwtValidator>();

services.AddSingleton<UsageRecorder>();
services.AddHostedService<UsageWriter>();
services.Configure<NoticeOptions>(builder.Configuration.GetSection(NoticeOptions.Section));
services.AddSingleton<NoticeScheduler>();
services.AddHostedService(provider => provider.GetRequiredService<NoticeScheduler>());
services.Configure<SecretScanningOptions>(builder.Configuration.GetSection(SecretScanningOptions.Section));
services.AddSingleton<GitHubSecretScanning>();
services.AddSingleton<IncidentManager>();
services.AddSingleton<LeakActivityReader>();
services.AddSingleton<RotationJob>();
services.AddHostedService(provider => provider.GetRequiredService<RotationJob>());
services.Configure<UnusedKeyRevocationOptions>(builder.Configuration.GetSection(UnusedKeyRevocationOptions.Section));
services.AddSingleton<UnusedKeyRevocationJob>();
services.AddHostedService(provider => provider.GetRequiredService<UnusedKeyRevocationJob>());

// The API's own limits (request body size), read by the boundary middleware and the idempotency store alike.
services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section))
    .Validate(options => options.MaxBodyBytes > 0, "Api:MaxBodyBytes must be a positive number of bytes.").ValidateOnStart();

// Idempotent writes (issue 14): Idempotency-Key claims in the database, kept 24 hours, pruned hourly.
services.AddIdempotency(builder.Configuration);

services.AddSingleton<IProblemDetailsWriter, ApiProblemWriter>();
services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
{
    var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
    context.ProblemDetails.Extensions.TryAdd(ApiProblems.CodeKey, ApiProblems.DefaultCode(status));
});
services.AddExceptionHandler<ApiExceptionHandler>();
services.AddExceptionHandler<StoreOutagePageHandler>();
// API responses are written by the code generated in ApiJsonContext (see the PostConfigure below), with the default
// encoder: characters outside ASCII and HTML-sensitive ones are written as \uXXXX escapes. Same JSON to any parser.
// Problem bodies, which people read in terminals, are written with a relaxed encoder of their own (ApiProblems.JsonOptions).
services.ConfigureHttpJsonOptions(options =>
{
    var json = options.SerializerOptions;
    json.Encoder = null;
    // Bodies are read strictly: a misspelt property (expires_at) or one given twice is a 400 naming it, not silently
    // ignored or "last one wins", and nesting is bounded well below what any request of ours needs.
    json.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
    json.AllowDuplicateProperties = false;
    json.MaxDepth = 32;
    // A number is a JSON number: "12.50" in quotes is a 400 naming the field, not quietly read as 12.5 (the web
    // defaults allow it, and the OpenAPI document would then advertise every number as number-or-string). Kept the
    // same in ApiJsonContext.
    json.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
});
// System.Text.Json runs the generated code only when every resolver in the chain was generated for options compatible
// with these and no converter is added here. The framework's own contexts (problem details, the OpenAPI schema types)
// were not, and would send every response through the slower generic serializer; in an app that is not trimmed the
// reflection resolver serves their types the same way. So, after everything else has added its resolvers: ours, then
// reflection (ApiJsonOptionsTests holds this in place).
services.PostConfigure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options =>
{
    options.SerializerOptions.TypeInfoResolverChain.Clear();
    options.SerializerOptions.TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(
        ApiJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver());
});
// Unreadable bodies reach ApiExceptionHandler as exceptions, in every environment, so they answer the same way.
services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
services.AddHealthChecks();
// The OpenAPI document and the interactive reference page built from it (/openapi/v1.json, /docs/api).
services.AddApiReference();
// Failed credentials per client address, the client address behind a proxy (ForwardedHeaders), and /health/ready.
services.AddFailureHandling(builder.Configuration);
// OpenTelemetry metrics and traces, only when OTEL_EXPORTER_OTLP_ENDPOINT or Telemetry:Enabled is set (README "Telemetry").
services.AddTelemetry(builder.Configuration);

// The dashboard: interactive server components with MudBlazor, sharing the key operations with the API.
services.AddRazorComponents().AddInteractiveServerComponents();
services.AddCascadingAuthenticationState();
// Open tabs check every few seconds that their person still exists, is not locked out and keeps their role.
services.Configure<DashboardSessionOptions>(builder.Configuration.GetSection(DashboardSessionOptions.Section));
services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, DashboardAuthenticationStateProvider>();
// Notices appear at the bottom, clear of the app bar's menus, and stay long enough to be read.
services.AddMudServices(options => options.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft);
services.AddHttpContextAccessor();
services.AddOptions<FieldCamp.Web.Webhooks.WebhookOptions>().Bind(builder.Configuration.GetSection(FieldCamp.Web.Webhooks.WebhookOptions.Section));
// Webhooks (issue 15): outbox events fanned out to endpoints and sent, signed, off the request path.
services.AddWebhookDelivery(builder.Configuration);
services.AddSingleton<PageCursors>();
services.AddOptions<RateLimitDefaults>().Bind(builder.Configuration.GetSection(RateLimitDefaults.Section))
    .Validate(limits => limits.RequestsPerMinute >= 1, "RateLimits:RequestsPerMinute must be at least 1.")
    .Validate(limits => limits.Window >= TimeSpan.FromSeconds(1) && limits.Window.Ticks % TimeSpan.TicksPerSecond == 0,
        "RateLimits:Window must be a whole number of seconds, at least one.")
    .ValidateOnStart();
// Enforced rate limits (issue 14): one fixed-window counter per company or per key with its own limit.
services.AddSingleton<RateLimitPartitions>();
// Several instances (issue 16): with Redis:Configuration, limits counted in Redis, the key ring there, and readiness
// that reports Redis (README "Running several instances").
services.AddSeveralInstances(builder.Configuration);
services.AddSingleton<FirstRun>();
services.AddScoped<Workspace>();
services.AddScoped<DashboardKeys>();
services.AddScoped<DashboardRotations>();
services.AddScoped<NoticeBoard>();
services.AddScoped<DashboardIncidents>();
services.AddScoped<DashboardTeam>();
services.AddScoped<DashboardAuditLog>();
services.AddScoped<DashboardKeyPolicy>();
services.AddScoped<DashboardQuarterlyAudit>();
// Webhook endpoints (issue 15): one manager for the API and the dashboard's Developer → Webhooks pages.
services.AddSingleton<FieldCamp.Web.Webhooks.WebhookManager>();
services.AddScoped<DashboardWebhooks>();

var app = builder.Build();
// A trusted secret scanning key that does not parse stops the start here, naming it, rather than failing every report.
app.Services.GetRequiredService<GitHubSecretScanning>();

await DatabaseSetup.MigrateAsync(app.Services);
if (app.Environment.IsDevelopment())
{
    await DemoSeeder.SeedIfEmptyAsync(app.Services);
    app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation(
        "Demo workspace at {Urls} — sign in with {People}, password {Password}",
        string.Join(", ", app.Urls), string.Join(", ", DemoSeeder.People.Select(p => $"{p.Email} ({p.Role})")), DemoSeeder.Password));
}

// Telemetry on: a traced request's span gets the request's attributes, and its route and status code at the end.
app.UseRequestSpanAttributes();
// Then: everything after it (usage, the failed-credential throttle, the sign-in throttle, the audit trail) sees the
// client address from X-Forwarded-For when, and only when, the peer is a proxy listed under ForwardedHeaders.
app.UseForwardedHeaders();
app.UseExceptionHandler();
// Several instances: an instance that has not read the shared key ring yet answers its pages 503 while Redis is away.
app.UseKeyRingGate();
// A page address that matches nothing (typed, bookmarked, an old link) answers 404 with the app's own page, rendered
// by running the request again at /not-found, instead of an empty 404 that the browser shows as its own error page.
// Only for reading a page: the API answers with problem+json below, and a missing file or Blazor endpoint keeps its
// plain status. It cannot go in a UseWhen branch like the API's: a branch has no routing to run the request again with.
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.Use(async (context, next) =>
{
    var request = context.Request;
    if (!IsPageRequest(request) || !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
        context.Features.GetRequiredFeature<IStatusCodePagesFeature>().Enabled = false;
    await next(context);
});
app.UseMiddleware<UnmatchedAddressIsNotFound>();
app.UseWhen(context => ApiKeyDefaults.IsApiRequest(context.Request), api => api.UseStatusCodePages());
// no-store and nosniff on every API answer, and Kestrel's body limit, before anything reads the request.
app.UseMiddleware<ApiBoundaryMiddleware>();
app.UseMiddleware<UsageRecordingMiddleware>();
app.UseAuthentication();
// No API address answers anyone without a credential, whether it is mapped or not.
app.UseMiddleware<ApiCredentialRequiredMiddleware>();
// Enforced rate limits (issue 14): only accepted credentials are counted; a refused request runs nothing behind this.
app.UseMiddleware<RateLimitingMiddleware>();
app.UseAuthorization();
// A body declared over the limit: 413 only once the caller is known to be allowed (issue 14: no credential, 401 always).
app.UseMiddleware<ApiBodyLimitMiddleware>();
// Idempotent writes (issue 14): after authorization, so a 401, 403 or 429 never claims an Idempotency-Key.
app.UseIdempotency();
// Only endpoints that ask for it are cached: the OpenAPI document.
app.UseOutputCache();
app.UseAntiforgery();

// A new installation has no company yet: its pages lead to the one-time workspace setup.
app.UseWhen(context => IsPageRequest(context.Request) && !context.Request.Path.StartsWithSegments(FirstRun.Path),
    pages => pages.Use(async (context, next) =>
    {
        if (await context.RequestServices.GetRequiredService<FirstRun>().IsCompleteAsync()) await next(context);
        else context.Response.Redirect(FirstRun.Path);
    }));

app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
// The form carries an antiforgery token (MainLayout), checked here: the endpoint binds no form, so the antiforgery
// middleware would not check it by itself, and any site could sign a person out.
app.MapPost("/account/logout", async Task<IResult> (HttpContext context, IAntiforgery antiforgery, SignInAttempts signIn) =>
{
    if (!await antiforgery.IsRequestValidAsync(context))
        return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The sign-out form has expired.",
            detail: "Reload the page and sign out again.");
    await signIn.SignOutAsync(context);
    return TypedResults.LocalRedirect("~/account/login");
});
// /health says the process answers and checks nothing, so it stays cheap; /health/ready also asks the database
// (at most once a second, see StoreHealthCheck), and Redis when configured (RedisHealthCheck), and answers 503 while
// either cannot be reached, or while the key digests are still being read after start-up (KnownDigestsHealthCheck).
app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false })
    .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(StoreHealthCheck.ReadyTag) })
    .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
// Every API (and export) endpoint is mapped in this group, so each GET answers HEAD as well; new Map calls go here.
var endpoints = app.MapGroup("").AnswerHeadLikeGet();
endpoints.MapCompanyInfoEndpoints();
endpoints.MapApiKeyEndpoints();
endpoints.MapFieldDataEndpoints();
endpoints.MapSecretScanningEndpoints();
endpoints.MapIncidentEndpoints();
endpoints.MapAuditLogEndpoints();
endpoints.MapQuarterlyAuditEndpoints();
endpoints.MapWebhookEndpoints();
app.MapApiReference();

await app.RunAsync();
return 0;

// A request for a dashboard page: not the API, the health check or Blazor's own endpoints, and not a file (an address
// with an extension) unless a browser navigates to it, asking for HTML (/people/john.doe is a page address too).
static bool IsPageRequest(HttpRequest request) =>
    !ApiKeyDefaults.IsApiRequest(request) && !request.Path.StartsWithSegments("/health")
    && !request.Path.StartsWithSegments("/_framework") && !request.Path.StartsWithSegments("/_content")
    && !request.Path.StartsWithSegments("/_blazor")
    && (!Path.HasExtension(request.Path.Value) || request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal));

public partial class Program;
