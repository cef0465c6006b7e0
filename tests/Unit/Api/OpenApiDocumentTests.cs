using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Api;
using FieldCamp.Web.ApiReference;
using Json.Schema;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// <c>/openapi/v1.json</c> against the API it describes: it parses cleanly, lists every endpoint with its security and
/// scope, and real answers made through the app validate (JSON Schema 2020-12, with JsonSchema.Net) against the schema
/// the document gives for their status. And the reference page at <c>/docs/api</c> loads nothing from another site.
/// </summary>
public sealed partial class OpenApiDocumentTests : IDisposable
{
    private readonly AppFactory _app = new() { Clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 17, TimeSpan.Zero)) };

    public void Dispose() => _app.Dispose();

    private async Task<string> DocumentTextAsync()
    {
        using var anonymous = _app.CreateClient();
        var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<JsonObject> DocumentAsync() => JsonNode.Parse(await DocumentTextAsync())!.AsObject();

    [Fact]
    public async Task Document_Anonymous_ParsesWithTheOpenApiReaderWithoutErrors()
    {
        var text = await DocumentTextAsync();

        var read = OpenApiDocument.Parse(text, "json", new OpenApiReaderSettings());

        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        var document = read.Document!;
        Assert.Equal("FieldCamp API", document.Info.Title);
        Assert.Equal("v1", document.Info.Version);
        Assert.NotEmpty(document.Servers!);
        Assert.Equal(SecuritySchemeType.Http, document.Components!.SecuritySchemes!["bearer"].Type);
        Assert.Equal("bearer", document.Components.SecuritySchemes["bearer"].Scheme);
        Assert.Equal(SecuritySchemeType.ApiKey, document.Components.SecuritySchemes["apiKey"].Type);
        Assert.Equal(ParameterLocation.Header, document.Components.SecuritySchemes["apiKey"].In);
        Assert.Equal("X-Api-Key", document.Components.SecuritySchemes["apiKey"].Name);
    }

    [Fact]
    public async Task Document_EveryApiEndpoint_IsListedWithEitherCredentialAndItsScope()
    {
        var document = await DocumentAsync();
        var paths = document["paths"]!.AsObject();
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(endpoints);

        var checkedOperations = 0;
        foreach (var endpoint in endpoints)
        {
            var path = OpenApiPath(endpoint.RoutePattern.RawText!);
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var scopes = endpoint.Metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>()
                .Where(p => p.StartsWith("api:scope:", StringComparison.Ordinal)).Select(p => p["api:scope:".Length..]).ToList();
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                var operation = paths[path]?[method.ToLowerInvariant()]?.AsObject();
                Assert.True(operation is not null, $"{method} {path} is not in the document.");
                var security = operation["security"]!.AsArray();
                var schemes = security.Select(requirement => string.Join("+", requirement!.AsObject().Select(p => p.Key))).ToList();
                if (anonymous) Assert.Equal(["githubSignature"], schemes);
                else Assert.Equal(["bearer", "apiKey"], schemes);
                if (scopes.Count > 0)
                {
                    Assert.Equal(scopes, operation["x-required-scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
                    Assert.Contains($"`{scopes[0]}`", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
                    Assert.Equal("insufficient_scope", operation["responses"]!["403"]!["content"]!["application/problem+json"]!["example"]!["code"]!.GetValue<string>());
                }
                foreach (var status in new[] { "401", "429", "503" }) Assert.NotNull(operation["responses"]![status]);
                checkedOperations++;
            }
        }
        Assert.True(checkedOperations >= 20, $"Only {checkedOperations} operations were checked.");

        // Operation ids are unique identifiers a client generator can use as method names as they are.
        var ids = paths.SelectMany(p => p.Value!.AsObject().Select(o => o.Value!["operationId"]!.GetValue<string>())).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(ids, id => Assert.Matches("^[a-z][A-Za-z0-9]*$", id));
        Assert.Contains("listClients", ids);
        Assert.Contains("getClient", ids);
        Assert.Contains("createClient", ids);
        Assert.Contains("listJobVisits", ids);
        Assert.Contains("createApiKey", ids);   // .WithName(nameof(CreateApiKey)), in camelCase
        // The old alias and the dashboard's downloads are not part of the public API.
        Assert.Null(paths["/api/company-info"]);
        Assert.DoesNotContain(paths, p => p.Key.StartsWith("/settings", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Document_ProblemsListEveryCode_And429And503SayWhenToComeBack()
    {
        var document = await DocumentAsync();

        var codes = document["components"]!["schemas"]!["Problem"]!["properties"]!["code"]!["enum"]!.AsArray().Select(c => c!.GetValue<string>());
        Assert.Equal(ProblemCodes.All, codes);
        foreach (var code in new[] { "validation_failed", "insufficient_scope", "not_found", "invalid_state", "rate_limited", "missing_credentials" })
            Assert.Contains(code, codes);

        var create = document["paths"]!["/api/v1/clients"]!["post"]!["responses"]!.AsObject();
        Assert.Equal(["201", "400", "401", "403", "409", "413", "415", "422", "429", "503"], create.Select(r => r.Key).Order());
        Assert.Equal(["Retry-After", "RateLimit", "RateLimit-Policy", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
            create["429"]!["headers"]!.AsObject().Select(h => h.Key));
        Assert.Equal(["Retry-After"], create["503"]!["headers"]!.AsObject().Select(h => h.Key));
        Assert.NotNull(create["401"]!["headers"]!["WWW-Authenticate"]);
        Assert.NotNull(create["201"]!["headers"]!["Idempotent-Replayed"]);
        Assert.NotNull(create["201"]!["headers"]!["FieldCamp-Key-Expires-At"]);
        Assert.Equal("validation_failed", create["400"]!["content"]!["application/problem+json"]!["example"]!["code"]!.GetValue<string>());
        // The request and the answer carry examples a reader can copy.
        Assert.NotNull(document["paths"]!["/api/v1/clients"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!["name"]);
        Assert.NotNull(create["201"]!["content"]!["application/json"]!["example"]!["id"]);
        Assert.Equal("#/components/parameters/IdempotencyKey",
            document["paths"]!["/api/v1/clients"]!["post"]!["parameters"]!.AsArray().Select(p => p!["$ref"]?.GetValue<string>()).Single(r => r is not null));
        Assert.Equal("/health", document["paths"]!.AsObject().Select(p => p.Key).Single(p => p == "/health"));
    }

    [Fact]
    public async Task Document_EveryExample_MatchesTheSchemaBesideIt()
    {
        var document = await DocumentAsync();
        var examples = 0;
        var wrong = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var bodies = new List<(string Where, JsonObject Content)>();
                if (operation!["requestBody"]?["content"] is JsonObject request) bodies.Add(("request", request));
                foreach (var (status, response) in operation["responses"]!.AsObject())
                    if (response!["content"] is JsonObject content) bodies.Add((status, content));
                foreach (var (where, content) in bodies)
                {
                    foreach (var (mediaType, media) in content)
                    {
                        if (media!["example"] is not { } example || !mediaType.Contains("json", StringComparison.Ordinal)) continue;
                        examples++;
                        var result = Evaluate(Standalone(document, media["schema"]!), example);
                        if (!result.IsValid) wrong.Add($"{method.ToUpperInvariant()} {path} {where}: {example.ToJsonString()}");
                    }
                }
            }
        }
        Assert.Empty(wrong);
        Assert.True(examples >= 50, $"Only {examples} examples.");
    }

    [Fact]
    public async Task RealAnswers_ValidateAgainstTheDocumentedSchemaForTheirStatus()
    {
        var document = await DocumentAsync();
        var writer = await _app.CreateKeyAsync(scopes: ["clients:write"]);
        var reader = await _app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = _app.CreateClient(writer.Secret);
        using var jobsOnly = _app.CreateClient(reader.Secret, KeyHeader.XApiKey);

        var created = await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Plumbing", email = "office@harbour.test" }));
        var createdBody = await CheckAsync(document, created, "/api/v1/clients", "post", HttpStatusCode.Created);
        var id = createdBody["id"]!.GetValue<string>();

        await CheckAsync(document, await client.GetAsync("/api/v1/clients?limit=2"), "/api/v1/clients", "get", HttpStatusCode.OK);
        await CheckAsync(document, await client.GetAsync($"/api/v1/clients/{id}"), "/api/v1/clients/{id}", "get", HttpStatusCode.OK);
        await CheckAsync(document, await jobsOnly.GetAsync("/api/v1/jobs"), "/api/v1/jobs", "get", HttpStatusCode.OK);
        await CheckAsync(document, await client.GetAsync("/api/v1/company-info"), "/api/v1/company-info", "get", HttpStatusCode.OK);
        await CheckAsync(document, await client.PostAsync("/api/v1/clients", Http.Json(new { name = "" })),
            "/api/v1/clients", "post", HttpStatusCode.BadRequest);
        await CheckAsync(document, await client.GetAsync("/api/v1/clients?limit=0"), "/api/v1/clients", "get", HttpStatusCode.BadRequest);
        await CheckAsync(document, await jobsOnly.GetAsync($"/api/v1/clients/{id}"), "/api/v1/clients/{id}", "get", HttpStatusCode.Forbidden);
        var missing = await CheckAsync(document, await client.GetAsync("/api/v1/clients/cli_nothing_here"), "/api/v1/clients/{id}", "get", HttpStatusCode.NotFound);
        // The check has teeth: the 404's problem is not a client, nor the 200's client a 404 problem.
        Assert.False(Evaluate(SchemaFor(document, "/api/v1/clients/{id}", "get", "200", "application/json"), missing).IsValid);
        Assert.False(Evaluate(SchemaFor(document, "/api/v1/clients/{id}", "get", "404", "application/problem+json"), createdBody).IsValid);
        using (var anonymous = _app.CreateClient())
            await CheckAsync(document, await anonymous.GetAsync("/api/v1/clients"), "/api/v1/clients", "get", HttpStatusCode.Unauthorized);

        // A key allowed one request a minute (the clock stands still): its second is refused.
        var limited = await _app.CreateKeyAsync(scopes: ["clients:read"], rateLimit: 1);
        using var limitedClient = _app.CreateClient(limited.Secret);
        await CheckAsync(document, await limitedClient.GetAsync("/api/v1/clients"), "/api/v1/clients", "get", HttpStatusCode.OK);
        var refused = await limitedClient.GetAsync("/api/v1/clients");
        await CheckAsync(document, refused, "/api/v1/clients", "get", HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter is not null);
        Assert.True(refused.Headers.Contains("RateLimit"));
    }

    public static TheoryData<string, string, string[]> CreateBodies => new()
    {
        { "/api/v1/clients", "CreateClientRequest", ["name"] },
        { "/api/v1/jobs", "CreateJobRequest", ["clientId", "title"] },
        { "/api/v1/invoices", "CreateInvoiceRequest", ["clientId", "number"] },
        { "/api/v1/items", "CreateItemRequest", ["name", "unitPrice"] },
        { "/api/v1/api-keys", "CreateApiKeyRequest", ["name", "scopes"] },
        { "/api/v1/webhooks", "CreateWebhookRequest", ["url", "events"] },
    };

    /// <summary>
    /// A create body's <c>required</c> is what the API refuses to go without: an empty body is answered with an error on
    /// each of them, and a body of only them (valid values) is accepted. They take no null; the optional fields do.
    /// </summary>
    [Theory]
    [MemberData(nameof(CreateBodies))]
    public async Task CreateBody_RequiresExactlyWhatTheApiRequires(string path, string schemaName, string[] required)
    {
        var schema = (await DocumentAsync())["components"]!["schemas"]![schemaName]!;

        Assert.Equal(required.Order(), schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        foreach (var (name, property) in schema["properties"]!.AsObject())
        {
            // A required field takes no null; an optional one does (null is as good as leaving it out), except one that
            // lists its values.
            if (required.Contains(name)) Assert.DoesNotContain("null", Types(property!));
            else if (property!["enum"] is null && property["items"]?["enum"] is null) Assert.Contains("null", Types(property));
        }

        using var client = _app.CreateClient((await _app.CreateKeyAsync(scopes: ["*"])).Secret);
        var problem = await client.PostAsync(path, Http.RawJson("{}")).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.All(required, field => Assert.Contains(field, errors));
    }

    [Fact]
    public async Task RequiredOnly_CreatesAccepted_AndTheInvoiceLineNeedsAllThree()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!;
        using var client = _app.CreateClient((await _app.CreateKeyAsync(scopes: ["*"])).Secret);

        var clientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" })).ExpectAsync(HttpStatusCode.Created))
            .GetProperty("id").GetString();
        await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Boiler" })).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number = "INV-1" })).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/items", Http.Json(new { name = "Valve", unitPrice = 12.5 })).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = "sync", scopes = new[] { "clients:read" } })).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(["description", "quantity", "unitPrice"], schemas["InvoiceLineRequest"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        Assert.Equal(["startsAt"], schemas["CreateVisitRequest"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task PatchBodies_RequireNothing_AndOnlyWhatCanBeClearedTakesNull()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!.AsObject();

        var patches = schemas.Where(s => s.Key.StartsWith("Update", StringComparison.Ordinal) && s.Key.EndsWith("Request", StringComparison.Ordinal)).ToList();
        Assert.True(patches.Count >= 7, string.Join(", ", patches.Select(p => p.Key)));
        Assert.All(patches, patch => Assert.Null(patch.Value!["required"]));
        Assert.Null(schemas["RotateApiKeyRequest"]!["required"]);

        // null clears an optional field, and is refused for one that always has a value.
        string[] Nullable(string schema) => [.. schemas[schema]!["properties"]!.AsObject().Where(p => Types(p.Value!).Contains("null")).Select(p => p.Key).Order()];
        Assert.Equal(["address", "email", "phone"], Nullable("UpdateClientRequest"));
        Assert.Equal(["description", "scheduledFor"], Nullable("UpdateJobRequest"));
        Assert.Equal(["arrivedAt", "completedAt", "notes"], Nullable("UpdateVisitRequest"));
        Assert.Equal(["dueOn"], Nullable("UpdateInvoiceRequest"));
        Assert.Equal(["description", "sku"], Nullable("UpdateItemRequest"));
        Assert.Equal(["description"], Nullable("UpdateWebhookRequest"));
        Assert.Contains("expiresAt", Nullable("UpdateApiKeyRequest"));
        Assert.Contains("rateLimit", schemas["UpdateApiKeyRequest"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task ResponseFields_NullableExactlyWhereTheRecordCanLackThem()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!;

        // Every field is always written (null when the record has none), so every one is required.
        foreach (var name in new[] { "ClientDto", "JobDto", "VisitDto", "InvoiceDto", "ItemDto" })
        {
            var properties = schemas[name]!["properties"]!.AsObject();
            Assert.Equal(properties.Select(p => p.Key).Order(), schemas[name]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
            Assert.Contains("null", Types(properties["createdByKeyId"]!));
            Assert.DoesNotContain("null", Types(properties["id"]!));
            Assert.DoesNotContain("null", Types(properties["createdAt"]!));
        }
        Assert.Contains("null", Types(schemas["JobDto"]!["properties"]!["scheduledFor"]!));
        Assert.Contains("null", Types(schemas["VisitDto"]!["properties"]!["arrivedAt"]!));
        Assert.DoesNotContain("null", Types(schemas["VisitDto"]!["properties"]!["startsAt"]!));
        // The secret, shown once, is left out rather than null: not required.
        Assert.DoesNotContain("key", schemas["ApiKeyResponse"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.DoesNotContain("secret", schemas["WebhookResponse"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task Numbers_AreNumbersOnly_AndInstantsAreDateTimes()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!;

        // No "number or numeric string" anywhere: a number is a JSON number, as the API reads it.
        foreach (var node in Walk(document))
        {
            var types = Types(node);
            Assert.False(types.Contains("string") && (types.Contains("number") || types.Contains("integer")), node.ToJsonString());
            Assert.False(node["pattern"] is not null && (types.Contains("number") || types.Contains("integer")), node.ToJsonString());
        }
        Assert.Equal(["number"], Types(schemas["InvoiceLineRequest"]!["properties"]!["unitPrice"]!));
        Assert.Equal(["number"], Types(schemas["InvoiceDto"]!["properties"]!["total"]!));
        Assert.Equal(["integer"], Types(schemas["RateLimitDto"]!["properties"]!["requestsPerMinute"]!));
        // Instants in bodies are date-times (read with their offset), whatever reads them.
        foreach (var (schema, property) in new[] { ("CreateJobRequest", "scheduledFor"), ("CreateVisitRequest", "startsAt"), ("UpdateVisitRequest", "arrivedAt"),
                     ("UpdateVisitRequest", "completedAt"), ("CreateApiKeyRequest", "expiresAt"), ("UpdateApiKeyRequest", "expiresAt"), ("RotateApiKeyRequest", "expiresAt") })
        {
            Assert.Equal("date-time", schemas[schema]!["properties"]![property]!["format"]?.GetValue<string>());
            Assert.Contains("offset", schemas[schema]!["properties"]![property]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Statuses_EventsAndScopes_ListTheirValues()
    {
        var schemas = (await DocumentAsync())["components"]!["schemas"]!;
        string[] Enum(JsonNode schema) => [.. (schema["enum"] ?? schema["items"]!["enum"])!.AsArray().Select(v => v!.GetValue<string>())];

        foreach (var name in new[] { "JobDto", "CreateJobRequest", "UpdateJobRequest" })
            Assert.Equal(FieldCamp.Domain.FieldWork.JobStatus.All, Enum(schemas[name]!["properties"]!["status"]!));
        foreach (var name in new[] { "VisitDto", "UpdateVisitRequest" })
            Assert.Equal(FieldCamp.Domain.FieldWork.VisitStatus.All, Enum(schemas[name]!["properties"]!["status"]!));
        foreach (var name in new[] { "InvoiceDto", "UpdateInvoiceRequest" })
            Assert.Equal(["draft", "sent", "paid", "void"], Enum(schemas[name]!["properties"]!["status"]!));
        foreach (var name in new[] { "CreateWebhookRequest", "UpdateWebhookRequest", "WebhookResponse" })
            Assert.Equal(FieldCamp.Web.Webhooks.WebhookEventTypes.All, Enum(schemas[name]!["properties"]!["events"]!));
        Assert.Contains("webhook.test", Enum(schemas["WebhookDeliveryResponse"]!["properties"]!["type"]!));
        foreach (var name in new[] { "CreateApiKeyRequest", "UpdateApiKeyRequest", "RotateApiKeyRequest", "ApiKeyResponse", "CredentialDto" })
        {
            var scopes = Enum(schemas[name]!["properties"]!["scopes"]!);
            string[] expected = ["*", .. FieldCamp.Domain.ApiKeys.Scopes.Catalogue];
            Assert.Equal(expected, scopes);
            Assert.DoesNotContain("webhooks:manage", scopes);
        }
    }

    [Theory]
    [InlineData("/api/v1/clients", 200)]
    [InlineData("/api/v1/jobs", 200)]
    [InlineData("/api/v1/invoices", 200)]
    [InlineData("/api/v1/items", 200)]
    [InlineData("/api/v1/api-keys", 100)]
    [InlineData("/api/v1/webhooks", 100)]
    [InlineData("/api/v1/audit-events", 100)]
    [InlineData("/api/v1/incidents", 100)]
    public async Task ListParameters_SayWhatTheListTakes_AndTheListEnforcesIt(string path, int maximum)
    {
        var parameters = (await DocumentAsync())["paths"]![path]!["get"]!["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!);

        var limit = parameters["limit"]["schema"]!;
        Assert.Equal("integer", limit["type"]!.GetValue<string>());
        Assert.Equal(1, limit["minimum"]!.GetValue<int>());
        Assert.Equal(maximum, limit["maximum"]!.GetValue<int>());
        Assert.Equal(50, limit["default"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(parameters["limit"]["description"]?.GetValue<string>()));
        Assert.Equal("string", parameters["cursor"]["schema"]!["type"]!.GetValue<string>());
        Assert.Contains("nextCursor", parameters["cursor"]["description"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var instant in new[] { "updatedSince", "since", "until" }.Where(parameters.ContainsKey))
            Assert.Equal("date-time", parameters[instant]["schema"]!["format"]!.GetValue<string>());
        if (maximum == 200) Assert.True(parameters.ContainsKey("updatedSince"));

        using var client = _app.CreateClient((await _app.CreateKeyAsync(scopes: ["*"])).Secret);
        await client.GetAsync($"{path}?limit={maximum}").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync($"{path}?limit={maximum + 1}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await client.GetAsync($"{path}?limit=0").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task RealAnswers_WithStatusesAndMoney_ValidateAgainstTheirSchema()
    {
        var document = await DocumentAsync();
        using var client = _app.CreateClient((await _app.CreateKeyAsync(scopes: ["*"])).Secret);
        var clientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" })).ExpectAsync(HttpStatusCode.Created))
            .GetProperty("id").GetString();

        var job = await CheckAsync(document, await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Boiler", scheduledFor = "2027-01-05T09:00:00Z" })),
            "/api/v1/jobs", "post", HttpStatusCode.Created);
        await CheckAsync(document, await client.PostAsync($"/api/v1/jobs/{job["id"]!.GetValue<string>()}/visits", Http.Json(new { startsAt = "2027-01-05T09:00:00+01:00" })),
            "/api/v1/jobs/{id}/visits", "post", HttpStatusCode.Created);
        var invoice = await CheckAsync(document, await client.PostAsync("/api/v1/invoices", Http.Json(new
            {
                clientId, number = "INV-7", lines = new[] { new { description = "Valve", quantity = 2m, unitPrice = 12.50m } },
            })), "/api/v1/invoices", "post", HttpStatusCode.Created);
        await CheckAsync(document, await client.PatchAsync($"/api/v1/invoices/{invoice["id"]!.GetValue<string>()}", new { status = "sent" }), "/api/v1/invoices/{id}", "patch", HttpStatusCode.OK);
        await CheckAsync(document, await client.GetAsync("/api/v1/invoices"), "/api/v1/invoices", "get", HttpStatusCode.OK);
        await CheckAsync(document, await client.GetAsync($"/api/v1/jobs/{job["id"]!.GetValue<string>()}/visits"), "/api/v1/jobs/{id}/visits", "get", HttpStatusCode.OK);
        await CheckAsync(document, await client.PostAsync("/api/v1/items", Http.RawJson("""{"name":"Valve","unitPrice":"12.50"}""")),
            "/api/v1/items", "post", HttpStatusCode.BadRequest);
    }

    /// <summary>A schema's types, whether one (<c>"string"</c>) or several (<c>["null", "string"]</c>).</summary>
    private static string[] Types(JsonNode schema) => schema["type"] switch
    {
        JsonArray many => [.. many.Select(t => t!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => schema["oneOf"] is JsonArray options ? [.. options.SelectMany(o => Types(o!))] : [],
    };

    private static IEnumerable<JsonObject> Walk(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                yield return obj;
                foreach (var child in obj.SelectMany(p => Walk(p.Value))) yield return child;
                break;
            case JsonArray array:
                foreach (var child in array.SelectMany(Walk)) yield return child;
                break;
        }
    }

    [Theory]
    [InlineData("/docs/api")]
    [InlineData("/docs/api/")]
    [InlineData("/docs/api/scalar.js")]
    public async Task ReferencePage_Head_AnswersAsGetDoes(string path)
    {
        _app.ClientOptions.AllowAutoRedirect = false;
        using var browser = _app.CreateClient();

        var get = await browser.GetAsync(path);
        var head = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.NotEqual(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Headers.Location, head.Headers.Location);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ReferencePage_ServesHtmlThatLoadsNothingFromAnotherSite()
    {
        using var browser = _app.CreateClient();

        var response = await browser.GetAsync("/docs/api/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();

        // Every address in the page is this server's own: no absolute URL, no protocol-relative one.
        Assert.DoesNotMatch(@"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", Regex.Replace(html, "<!--.*?-->", "", RegexOptions.Singleline));
        var assets = AssetReference().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.Contains("scalar.js", assets);
        foreach (var asset in assets)
        {
            var file = await browser.GetAsync(new Uri(new Uri(browser.BaseAddress!, "/docs/api/"), asset));
            Assert.True(file.StatusCode == HttpStatusCode.OK, $"{asset} answered {(int)file.StatusCode}.");
        }
        // The page starts Scalar from the app's own document, with fonts, telemetry and the AI chat (other sites) off.
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"telemetry\":false", html, StringComparison.Ordinal);
        Assert.Contains("\"agent\":{\"disabled\":true}", html, StringComparison.Ordinal);
        // And the browser is told to hold it to that.
        Assert.Contains("Content-Security-Policy", html, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "api/v1/clients", "listClients")]
    [InlineData("GET", "api/v1/clients/{id}", "getClient")]
    [InlineData("POST", "api/v1/clients", "createClient")]
    [InlineData("PATCH", "api/v1/clients/{id}", "updateClient")]
    [InlineData("DELETE", "api/v1/clients/{id}", "deleteClient")]
    [InlineData("GET", "api/v1/jobs/{id}/visits", "listJobVisits")]
    [InlineData("POST", "api/v1/jobs/{id}/visits", "createJobVisit")]
    [InlineData("PATCH", "api/v1/visits/{id}", "updateVisit")]
    [InlineData("GET", "api/v1/webhooks/{id}/deliveries", "listWebhookDeliveries")]
    [InlineData("POST", "api/v1/webhooks/{id}/test", "testWebhook")]
    [InlineData("POST", "api/v1/webhooks/{id}/rotate-secret", "rotateWebhookSecret")]
    [InlineData("POST", "api/v1/webhooks/{id}/deliveries/{deliveryId}/resend", "resendWebhookDelivery")]
    [InlineData("GET", "api/v1/company-info", "getCompanyInfo")]
    [InlineData("GET", "api/v1/api-keys/{id}/activity", "getApiKeyActivity")]
    public void OperationId_WithoutAName_IsMadeFromMethodAndPath(string method, string path, string expected) =>
        Assert.Equal(expected, OperationIds.For(method, path, endpointName: null));

    [Fact]
    public void ProblemCodes_EveryFactoryCode_IsCataloguedUnderItsStatus()
    {
        var problems = new Microsoft.AspNetCore.Mvc.ProblemDetails[]
        {
            ApiProblems.Unauthorized("key_revoked"), ApiProblems.InsufficientScope(["clients:read"]), ApiProblems.NotFound().ProblemDetails,
            ApiProblems.Validation(new Dictionary<string, string[]> { ["name"] = ["Required."] }).ProblemDetails,
            ApiProblems.InvalidHeader("Idempotency-Key", "Bad."), ApiProblems.PayloadTooLarge(10), ApiProblems.UnsupportedMediaType(),
            ApiProblems.IdempotencyKeyReused(), ApiProblems.IdempotencyKeyInFlight(), ApiProblems.RateLimited("key"),
            ApiProblems.TooManyFailedCredentials(), ApiProblems.ServiceUnavailable(), ApiProblems.Conflict(ProblemCodes.InvalidState, "No.").ProblemDetails,
        };
        foreach (var problem in problems)
            Assert.Contains((string)problem.Extensions[ApiProblems.CodeKey]!, ProblemCodes.ByStatus[problem.Status!.Value]);
        // The code the framework's own problems get (a 405, a 500), except the catch-all for statuses with codes of their own.
        foreach (var status in ProblemCodes.ByStatus.Keys.Where(s => ApiProblems.DefaultCode(s) != ProblemCodes.Error))
            Assert.Contains(ApiProblems.DefaultCode(status), ProblemCodes.ByStatus[status]);
    }

    /// <summary>Asserts the status, then validates the body against the schema the document gives for it.</summary>
    private static async Task<JsonNode> CheckAsync(JsonObject document, HttpResponseMessage response, string path, string method, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} from {method.ToUpperInvariant()} {path}, got {(int)response.StatusCode}: {text}");
        var schema = SchemaFor(document, path, method, ((int)status).ToString(), response.Content.Headers.ContentType!.MediaType!);
        var body = JsonNode.Parse(text);
        var result = Evaluate(schema, body);
        Assert.True(result.IsValid, $"{method.ToUpperInvariant()} {path} {(int)status} does not match its schema:\n"
            + string.Join("\n", result.Details.Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}")))
            + $"\nbody: {text}");
        return body!;
    }

    /// <summary>
    /// The schema the document gives for one answer, made standalone: the document's component schemas become its
    /// <c>$defs</c>, so every <c>$ref</c> resolves inside it.
    /// </summary>
    private static JsonSchema SchemaFor(JsonObject document, string path, string method, string status, string mediaType)
    {
        var documented = document["paths"]![path]![method]!["responses"]![status];
        Assert.True(documented is not null, $"{method.ToUpperInvariant()} {path} does not document {status}.");
        var schemaNode = documented["content"]?[mediaType]?["schema"];
        Assert.True(schemaNode is not null, $"{method.ToUpperInvariant()} {path} {status} documents no {mediaType} body.");
        return Standalone(document, schemaNode);
    }

    private static JsonSchema Standalone(JsonObject document, JsonNode schemaNode)
    {
        var standalone = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema" };
        foreach (var (key, value) in schemaNode.AsObject()) standalone[key] = value!.DeepClone();
        standalone["$defs"] = document["components"]!["schemas"]!.DeepClone();
        return JsonSchema.FromText(standalone.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal));
    }

    private static EvaluationResults Evaluate(JsonSchema schema, JsonNode? body) =>
        schema.Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });

    /// <summary>A route pattern as the document writes the path: no trailing slash, no parameter constraints.</summary>
    private static string OpenApiPath(string pattern) =>
        ParameterConstraint().Replace(pattern.TrimEnd('/'), "{${name}}");

    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_]+)(:[^}]*)?\??\}")]
    private static partial Regex ParameterConstraint();

    [GeneratedRegex(@"(?:src|href)=""(?<url>[^""]+)""")]
    private static partial Regex AssetReference();
}
