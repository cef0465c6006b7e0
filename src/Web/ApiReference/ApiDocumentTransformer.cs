using System.Text.Json.Nodes;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Idempotency;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// The document's shared parts: what the API is, where it is served, the two ways to send a key, the problem schema
/// with every <c>code</c> (from <see cref="ProblemCodes"/>), the rate-limit headers, the health checks, and an example
/// for every request and response body that has none.
/// </summary>
internal sealed class ApiDocumentTransformer(IHttpContextAccessor http) : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";
    public const string ApiKeyScheme = "apiKey";
    public const string GitHubSignatureScheme = "githubSignature";
    public const string ProblemSchema = "Problem";
    public const string IdempotencyKeyParameter = "IdempotencyKey";
    public const string RetryAfterHeader = "Retry-After";
    public static readonly string[] RateLimitHeaders = ["RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"];
    public const string WwwAuthenticateHeader = "WWW-Authenticate";
    public const string KeyExpiresAtHeader = ApiKeyDefaults.ExpiresAtHeader;
    public const string ReplayedHeader = Idempotency.IdempotencyMiddleware.ReplayedHeader;

    private const string Description = """
        The FieldCamp API lets an integration read and change one branch's clients, jobs, visits, invoices and items,
        manage API keys, and follow the audit trail. Every path is under `/api/v1`; bodies are JSON with camelCase names
        and string ids.

        **Authentication.** Send an API key either as `Authorization: Bearer <key>` or in the `X-Api-Key` header (not
        both). Create keys in the dashboard under Developer → API Keys, or with `apikey create` on the server. A key acts
        in its own branch only: another tenant's id is answered 404.

        **Scopes.** Each operation names the scope it needs in its description and in `x-required-scopes`. `x:write`
        implies `x:read`, and `*` implies every scope. A missing scope is answered 403 `insufficient_scope`.

        **Errors.** Every error is `application/problem+json` (RFC 9457) with a stable machine-readable `code`; invalid
        fields come back as 400 `validation_failed` with `errors` mapping each field to what is wrong.

        **Numbers and dates.** Numbers are JSON numbers, never text in quotes; money has at most two decimals, and every
        number is written in its shortest form (`2`, `12.5`). A date and time you send carries its offset
        (`2026-12-05T09:00:00Z` or `…+01:00`); one without is refused. Answers give instants in UTC.

        **Paging.** Lists return `{ "data": [...], "nextCursor": "..." }`, newest first; pass `nextCursor` as `cursor` for
        the next page until it is `null`.

        **Rate limits.** Every accepted request carries the `RateLimit` and `RateLimit-Policy` headers; when the allowance
        is spent the answer is 429 with `Retry-After`.

        **Retries.** Writes accept an `Idempotency-Key` header: the same key and body within 24 hours replays the first
        answer (`Idempotent-Replayed: true`) instead of running twice.
        """;

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo { Title = "FieldCamp API", Version = "v1", Description = Description };
        // Relative: the server the document was fetched from, so "try it" on the reference page and generated clients
        // call the same place. Never the request's Host header, which any caller chooses: the document is cached once
        // for everyone (ApiReferenceSetup).
        var pathBase = http.HttpContext?.Request.PathBase.Value;
        document.Servers = [new OpenApiServer
        {
            Url = string.IsNullOrEmpty(pathBase) ? "/" : pathBase,
            Description = "This FieldCamp server",
        }];

        var components = document.Components ??= new OpenApiComponents();
        components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "fc_live_…",
            Description = "An API key as a bearer token: `Authorization: Bearer fc_live_…`.",
        };
        components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyDefaults.ApiKeyHeader,
            Description = "An API key in the `X-Api-Key` header.",
        };
        components.SecuritySchemes[GitHubSignatureScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "Github-Public-Key-Signature",
            Description = "GitHub secret scanning signs each report's raw body; only GitHub calls this operation.",
        };

        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        components.Schemas[ProblemSchema] = Problem();
        // The framework's schema for ValidationProblem results; every 400 now uses the problem schema instead.
        components.Schemas.Remove("HttpValidationProblemDetails");

        components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        components.Headers[RetryAfterHeader] = Header("Seconds to wait before trying again.", JsonSchemaType.Integer, 30);
        components.Headers["RateLimit"] = Header("Where the caller stands in the current window: the policy, requests remaining (r) and seconds until it resets (t).",
            JsonSchemaType.String, "\"company\";r=119;t=42");
        components.Headers["RateLimit-Policy"] = Header("The policy counting this request: its quota (q) per window of w seconds.",
            JsonSchemaType.String, "\"company\";q=120;w=60");
        components.Headers["RateLimit-Limit"] = Header("Requests allowed per window (the older field name).", JsonSchemaType.Integer, 120);
        components.Headers["RateLimit-Remaining"] = Header("Requests left in the current window (the older field name).", JsonSchemaType.Integer, 119);
        components.Headers["RateLimit-Reset"] = Header("Seconds until the window resets (the older field name).", JsonSchemaType.Integer, 42);

        components.Headers[WwwAuthenticateHeader] = Header("The scheme to answer with.", JsonSchemaType.String, $"Bearer realm=\"{ApiKeyDefaults.Realm}\"");
        components.Headers[KeyExpiresAtHeader] = new OpenApiHeader
        {
            Description = "On every answer to a key that expires: when it does (ISO 8601), so an integration can warn its team in time.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
            Example = JsonValue.Create("2027-03-01T00:00:00Z"),
        };
        components.Headers[ReplayedHeader] = Header("`true` when this is the stored answer to an earlier request with the same Idempotency-Key.",
            JsonSchemaType.String, "true");

        components.Parameters ??= new Dictionary<string, IOpenApiParameter>();
        components.Parameters[IdempotencyKeyParameter] = new OpenApiParameter
        {
            Name = IdempotencyKeyHeader.Name,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Makes a retry safe: the same key and body within 24 hours replays the first answer (with `Idempotent-Replayed: true`). "
                + IdempotencyKeyHeader.Rule,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 },
            Example = JsonValue.Create("9f1c2a4e-7d7b-4e0b-8b0e-3c2f5d6a7b8c"),
        };

        AddHealthChecks(document);
        BodyExamples.AddMissing(document);
        return Task.CompletedTask;
    }

    /// <summary>The header's name as a response carries it (components hold it under the same name).</summary>
    public static string HeaderName(string component) => component;

    /// <summary>The problem schema for one status: <see cref="ProblemSchema"/>, its status fixed and its codes narrowed.</summary>
    public static IOpenApiSchema ProblemSchemaFor(int status, IReadOnlyList<string> codes, OpenApiDocument? document)
    {
        var narrowed = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Enum = [JsonValue.Create(status)] },
                ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(c))] },
            },
        };
        if (status == StatusCodes.Status400BadRequest) narrowed.Required = new HashSet<string> { "errors" };
        return new OpenApiSchema { AllOf = [new OpenApiSchemaReference(ProblemSchema, document), narrowed] };
    }

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An RFC 9457 problem. `code` is stable and meant for programs; `detail` is meant for people.",
        Required = new HashSet<string> { "type", "title", "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the kind of problem." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The HTTP status in words." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status code." },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong and what to do about it." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "The machine-readable reason; each response lists the codes it can carry.",
                Enum = [.. ProblemCodes.All.Select(c => (JsonNode)JsonValue.Create(c))],
            },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Quote it when asking about a failed request." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "For `validation_failed`: each invalid field (or header, or query parameter) and what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["missingScopes"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "For `insufficient_scope`: the scopes the key would need.",
                Items = new OpenApiSchema { Type = JsonSchemaType.String },
            },
            ["violatedPolicies"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Description = "For `rate_limited`: whose allowance is spent, `company` or `key`.",
                Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("company"), JsonValue.Create("key")] },
            },
        },
    };

    private static OpenApiHeader Header(string description, JsonSchemaType type, JsonNode example) => new()
    {
        Description = description,
        Schema = new OpenApiSchema { Type = type },
        Example = example,
    };

    /// <summary>
    /// <c>/health</c> and <c>/health/ready</c>, for load balancers and monitors: plain text, no key. Health checks are not
    /// route handlers, so the generator does not see them.
    /// </summary>
    private static void AddHealthChecks(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "Health", Description = "For load balancers and monitors; no key needed." });
        document.Paths["/health"] = HealthPath("getHealth", "Whether the process answers.",
            "Checks nothing else, so it stays cheap: 200 `Healthy` whenever the server runs.", withOutage: false, document);
        document.Paths["/health/ready"] = HealthPath("getHealthReady", "Whether the server can serve requests.",
            "Also asks the database (at most once a second): 503 `Unhealthy` while it cannot be reached.", withOutage: true, document);
    }

    private static OpenApiPathItem HealthPath(string id, string summary, string description, bool withOutage, OpenApiDocument document)
    {
        OpenApiResponse Text(string words, string example) => new()
        {
            Description = words,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String }, Example = JsonValue.Create(example) },
            },
        };
        var responses = new OpenApiResponses { ["200"] = Text("The server is healthy.", "Healthy") };
        if (withOutage) responses["503"] = Text("The database cannot be reached.", "Unhealthy");
        var operation = new OpenApiOperation
        {
            OperationId = id,
            Summary = summary,
            Description = description,
            Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
            Security = [],
            Responses = responses,
        };
        var item = new OpenApiPathItem();
        item.AddOperation(HttpMethod.Get, operation);
        return item;
    }
}
