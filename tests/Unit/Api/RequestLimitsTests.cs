using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FieldCamp.Tests.Unit.Domain;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// What the API does with bodies and query values it cannot take, and the headers every answer carries: each bad
/// input is a 4xx problem a person can read, never a 500 and never the framework's own wording.
/// </summary>
public class RequestLimitsTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Clients = "/api/v1/clients";
    private const string Keys = "/api/v1/api-keys";
    private const int Limit = 1024 * 1024;

    private async Task<HttpClient> ClientAsync(params string[] scopes) =>
        app.CreateClient((await app.CreateKeyAsync(scopes: scopes.Length == 0 ? ["*"] : scopes)).Secret);

    private static async Task<Dictionary<string, string[]>> ExpectValidationAsync(HttpResponseMessage response)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        return problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Strings());
    }

    private static string ClientBody(int nameLength) => $$"""{"name":"{{new string('n', nameLength)}}"}""";

    [Fact]
    public async Task BodyOverTheLimit_WithContentLength_413BeforeTheEndpointRuns()
    {
        using var client = await ClientAsync("clients:write");
        var content = Http.RawJson(ClientBody(Limit + 10));
        Assert.NotNull(content.Headers.ContentLength);

        var problem = await client.PostAsync(Clients, content).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertNoClientStoredAsync();

        Assert.Contains("1048576 bytes", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task BodyOverTheLimit_Chunked_413()
    {
        using var client = await ClientAsync("clients:write");
        var content = new ChunkedContent(Encoding.UTF8.GetBytes(ClientBody(Limit + 10)));
        Assert.Null(content.Headers.ContentLength);

        var response = await client.PostAsync(Clients, content);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        await AssertNoClientStoredAsync();
    }

    // Over a socket, the whole chunked body sent at once: the endpoint's own reader meets the limit (without
    // Idempotency-Key) or the idempotency check does (with it). Either way the same problem as a declared length.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BodyOverTheLimit_Chunked_SameProblemAsDeclared(bool idempotencyKey)
    {
        using var client = await ClientAsync("clients:write");
        var json = Encoding.UTF8.GetBytes(ClientBody(Limit + 10));
        using var chunked = new MemoryStream();
        for (var at = 0; at < json.Length; at += 64 * 1024)
        {
            var size = Math.Min(64 * 1024, json.Length - at);
            chunked.Write(Encoding.ASCII.GetBytes($"{size:X}\r\n"));
            chunked.Write(json, at, size);
            chunked.Write("\r\n"u8);
        }
        chunked.Write("0\r\n\r\n"u8);
        string[] headers = ["Authorization: " + client.DefaultRequestHeaders.Authorization, Chunked];
        if (idempotencyKey) headers = [.. headers, "Idempotency-Key: " + Guid.NewGuid()];

        var (status, body) = await RawHttp.SendAsync(client.BaseAddress!, "POST", Clients, chunked.ToArray(), headers);

        Assert.True(status == 413, body);
        using var problem = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal("payload_too_large", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal("Content Too Large", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal("The request body is larger than the 1048576 bytes allowed.", problem.RootElement.GetProperty("detail").GetString());
        await AssertNoClientStoredAsync();
    }

    private const string TwoMegabytes = "Content-Length: 2000000";
    private const string Chunked = "Transfer-Encoding: chunked";

    [Theory]
    [InlineData("/api/v1/whatever", TwoMegabytes)]
    [InlineData(Clients, TwoMegabytes)]
    [InlineData("/api/v1/whatever", Chunked)]
    [InlineData(Clients, Chunked)]
    public async Task BodyOverTheLimit_NoCredential_401NotTheBodyLimit(string path, string length)
    {
        using var client = app.CreateClient();

        var (status, body) = await RawHttp.SendHeadOnlyAsync(client.BaseAddress!, "POST", path, length);

        Assert.True(status == 401, body);
        Assert.Contains("\"code\":\"missing_credentials\"", body);
    }

    [Theory]
    [InlineData(TwoMegabytes)]
    [InlineData(Chunked)]
    public async Task BodyOverTheLimit_InvalidKey_401CountedByTheFailedCredentialThrottle(string length)
    {
        var clock = ManualTimeProvider.AtSecond10OfThisMinute();
        using var throttled = new AppFactory { Clock = clock, Settings = { ["RateLimits:FailedCredentialsPerMinute"] = "1" } };
        using var client = throttled.CreateClient();
        string BadKey() => "Authorization: Bearer fc_live_" + Guid.NewGuid().ToString("N");

        var (first, firstBody) = await RawHttp.SendHeadOnlyAsync(client.BaseAddress!, "POST", Clients, length, BadKey());
        var (second, secondBody) = await RawHttp.SendHeadOnlyAsync(client.BaseAddress!, "POST", Clients, length, BadKey());

        Assert.True(first == 401, firstBody);
        Assert.Contains("\"code\":\"invalid_key\"", firstBody);
        Assert.True(second == 429, secondBody);
        Assert.Contains("\"code\":\"too_many_failed_credentials\"", secondBody);
    }

    [Fact]
    public async Task BodyDeclaredOverTheLimit_ValidKey_413WithoutReadingIt()
    {
        using var client = await ClientAsync("clients:write");
        // Nothing of the body is ever sent: the answer cannot wait for it.
        var (status, body) = await RawHttp.SendHeadOnlyAsync(client.BaseAddress!, "POST", Clients, TwoMegabytes,
            "Authorization: " + client.DefaultRequestHeaders.Authorization);

        Assert.True(status == 413, body);
        Assert.Contains("\"code\":\"payload_too_large\"", body);
        Assert.Contains("1048576 bytes", body);
    }

    private async Task AssertNoClientStoredAsync()
    {
        await using var db = await app.CreateDbContextAsync();
        Assert.False(db.Clients.Any(c => c.Name.Length > 1000));
    }

    [Fact]
    public async Task BodyJustUnderTheLimit_IsReadAndJudgedOnItsFields()
    {
        using var client = await ClientAsync("clients:write");

        var errors = await ExpectValidationAsync(await client.PostAsync(Clients, Http.RawJson(ClientBody(Limit - 100))));

        Assert.Contains("200", Assert.Single(errors["name"]));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task WrongContentType_415UnsupportedMediaType(string mediaType)
    {
        using var client = await ClientAsync("clients:write");

        var problem = await client.PostAsync(Clients, new StringContent("""{"name":"x"}""", Encoding.UTF8, mediaType))
            .ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        Assert.Contains("application/json", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task UnknownProperty_400NamingIt()
    {
        using var client = await ClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys,
            Http.RawJson("""{"name":"x","scopes":["clients:read"],"expires_at":"2099-01-01T00:00:00Z"}""")));

        Assert.Equal(["expires_at"], errors.Keys);
        Assert.Equal("This endpoint has no such property; did you mean expiresAt?", Assert.Single(errors["expires_at"]));
        await using var db = await app.CreateDbContextAsync();
        Assert.False(db.ApiKeys.Any(k => k.Name == "x"));
    }

    [Fact]
    public async Task UnknownNestedProperty_400NamingItsPath()
    {
        using var client = await ClientAsync();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys,
            Http.RawJson("""{"name":"x","scopes":["clients:read"],"rateLimit":{"perMinute":5}}""")));

        Assert.Contains(errors.Keys, k => k.Contains("perMinute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownPropertyWithAHugeName_NamedOnlyInPart()
    {
        using var client = await ClientAsync("clients:write");
        var name = new string('p', 100_000);

        var response = await client.PostAsync(Clients, Http.RawJson($$"""{"name":"x","{{name}}":1}"""));
        var text = await response.Content.ReadAsStringAsync();
        var errors = await ExpectValidationAsync(response);

        Assert.True(text.Length < 2000, text);
        Assert.StartsWith("ppp", Assert.Single(errors.Keys));
    }

    [Fact]
    public async Task PropertyGivenTwice_400NotLastOneWins()
    {
        using var client = await ClientAsync();
        var name = AppFactory.UniqueName();

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys,
            Http.RawJson($$"""{"name":"{{name}}","scopes":["clients:read"],"scopes":["*"]}""")));

        Assert.Contains("scopes", errors.Keys);
        await using var db = await app.CreateDbContextAsync();
        Assert.False(db.ApiKeys.Any(k => k.Name == name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData(" null ")]
    public async Task EmptyOrNullBody_400BodyRequired(string body)
    {
        using var client = await ClientAsync();

        var response = await client.PostAsync(Keys, Http.RawJson(body));
        var text = await response.Content.ReadAsStringAsync();
        var errors = await ExpectValidationAsync(response);

        Assert.True(errors.ContainsKey("body"), text);
        Assert.Equal("A request body is required.", Assert.Single(errors["body"]));
    }

    [Fact]
    public async Task DeeplyNestedBody_400()
    {
        using var client = await ClientAsync("clients:write");
        var deep = """{"name":"x","extra":""" + new string('[', 40) + new string(']', 40) + "}";

        var errors = await ExpectValidationAsync(await client.PostAsync(Clients, Http.RawJson(deep)));

        Assert.NotEmpty(errors);
    }

    [Fact]
    public async Task DeeplyNestedArrayInAKnownField_400NestedTooDeeply()
    {
        using var client = await ClientAsync();
        var deep = """{"name":"x","scopes":""" + new string('[', 100) + new string(']', 100) + "}";

        var errors = await ExpectValidationAsync(await client.PostAsync(Keys, Http.RawJson(deep)));

        Assert.NotEmpty(errors);
    }

    public static TheoryData<string, string, string> TooLongFields => new()
    {
        { Clients, $$"""{"name":"{{new string('n', 201)}}"}""", "name" },
        { Clients, $$"""{"name":"x","email":"{{new string('e', 250)}}@x.io"}""", "email" },
        { Clients, $$"""{"name":"x","phone":"{{new string('5', 41)}}"}""", "phone" },
        { "/api/v1/jobs", $$"""{"clientId":"cli_x","title":"{{new string('t', 201)}}"}""", "title" },
        { "/api/v1/jobs", $$"""{"clientId":"{{new string('c', 65)}}","title":"t"}""", "clientId" },
        { Keys, $$"""{"name":"{{new string('k', 101)}}","scopes":["clients:read"]}""", "name" },
        { Keys, $$"""{"name":"x","scopes":["{{new string('s', 65)}}"]}""", "scopes" },
        { Keys, $$"""{"name":"x","scopes":[{{string.Join(",", Enumerable.Repeat("\"clients:read\"", 51))}}]}""", "scopes" },
    };

    [Theory]
    [MemberData(nameof(TooLongFields))]
    public async Task StringOverItsLengthLimit_400NamingTheFieldWithoutQuotingIt(string path, string body, string field)
    {
        using var client = await ClientAsync();

        var response = await client.PostAsync(path, Http.RawJson(body));
        var text = await response.Content.ReadAsStringAsync();
        var errors = await ExpectValidationAsync(response);

        Assert.Contains(field, errors.Keys);
        // The value itself is never quoted back: no long run of its filler character in the answer.
        Assert.DoesNotMatch(@"(\w)\1{59}", text);
    }

    [Theory]
    [InlineData(Keys + "?limit=abc", "limit")]
    [InlineData(Keys + "?limit=1e3", "limit")]
    [InlineData(Keys + "?limit=", "limit")]
    [InlineData("/api/v1/clients?limit=abc", "limit")]
    [InlineData("/api/v1/incidents?limit=x", "limit")]
    [InlineData("/api/v1/audit-events?limit=%20", "limit")]
    [InlineData("/api/v1/clients?cursor=" + "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", "cursor")]
    public async Task QueryValueThatDoesNotParse_400WithAPlainMessage(string path, string field)
    {
        using var client = await ClientAsync();

        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        var errors = await ExpectValidationAsync(response);

        Assert.NotEmpty(errors[field]);
        Assert.DoesNotContain("Failed to bind", text);
        Assert.All(errors.Values.SelectMany(m => m), message => Assert.DoesNotContain("abc", message));
    }

    [Fact]
    public async Task ActivityHoursThatDoNotParse_400UnderHours()
    {
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(key.Secret);

        var errors = await ExpectValidationAsync(await client.GetAsync($"{Keys}/{key.Id}/activity?hours=x"));

        Assert.Equal("Choose between 1 and 720 hours.", Assert.Single(errors["hours"]));
    }

    [Theory]
    [InlineData("/api/v1/company-info")]
    [InlineData("/api/v1/clients")]
    [InlineData(Keys)]
    public async Task Head_AnswersLikeGetWithoutABody(string path)
    {
        using var client = await ClientAsync();

        using var get = await client.GetAsync(path);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal("no-store", head.Headers.CacheControl?.ToString());
    }

    public static TheoryData<string, bool, HttpStatusCode> Answers => new()
    {
        { "/api/v1/company-info", true, HttpStatusCode.OK },
        { "/api/v1/company-info", false, HttpStatusCode.Unauthorized },
        { "/api/v1/clients/cli_nothing", true, HttpStatusCode.NotFound },
        { "/api/v1/no-such-thing", true, HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task EveryApiAnswer_NoStoreAndNoSniff(string path, bool withKey, HttpStatusCode status)
    {
        using var client = withKey ? await ClientAsync() : app.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task RefusedKey_401StillNoStore()
    {
        using var client = app.CreateClient("fc_live_notakey");

        using var response = await client.GetAsync("/api/v1/clients");

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("GET", "/api/v1/no-such-thing")]
    [InlineData("GET", "/api/v2/clients")]
    [InlineData("DELETE", "/api/v1/company-info")]
    [InlineData("POST", "/api/v1/clients")]
    [InlineData("GET", "/api")]
    public async Task NoCredential_401OnEveryApiAddress_KnownOrNot(string method, string path)
    {
        using var client = app.CreateClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }

    [Fact]
    public async Task LeakReportEndpoint_NotAskedForAnApiKey()
    {
        using var client = app.CreateClient();

        using var response = await client.PostAsync("/api/v1/secret-scanning/github", Http.RawJson("[]"));

        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ProblemTexts_ReadPlainly_NoUnicodeEscapesForPunctuation()
    {
        using var anonymous = app.CreateClient();

        var missing = await (await anonymous.GetAsync("/api/v1/clients")).Content.ReadAsStringAsync();
        using var client = await ClientAsync();
        var unsupported = await (await client.PostAsync(Clients, new StringContent("x", Encoding.UTF8, "text/plain"))).Content.ReadAsStringAsync();

        var invalid = await (await client.GetAsync("/api/v1/incidents?keyId=")).Content.ReadAsStringAsync();

        Assert.Contains("'Authorization: Bearer <key>'", missing);
        Assert.Contains("key_…", invalid);
        Assert.Contains("'Content-Type: application/json'", unsupported);
        Assert.All(new[] { missing, unsupported, invalid }, text =>
        {
            Assert.DoesNotContain("\\u0027", text);
            Assert.DoesNotContain("\\u003C", text, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task RateLimitedProblem_ReadsPlainly()
    {
        // Both requests in one window, however long the first takes.
        using var limited = new AppFactory { Clock = ManualTimeProvider.AtSecond10OfThisMinute(), Settings = { ["RateLimits:RequestsPerMinute"] = "1" } };
        using var client = limited.CreateClient((await limited.CreateKeyAsync()).Secret);
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);

        using var refused = await client.GetAsync("/api/v1/clients");
        var text = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("company's", text);
        Assert.DoesNotContain("\\u0027", text);
        Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
    }

    /// <summary>A JSON body sent with Transfer-Encoding: chunked, its length never declared.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _body;

        public ChunkedContent(byte[] body)
        {
            _body = body;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _body.Length; offset += 64 * 1024)
                await stream.WriteAsync(_body.AsMemory(offset, Math.Min(64 * 1024, _body.Length - offset)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
