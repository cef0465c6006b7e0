using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Errors for clients whose <c>Accept</c> header does not list JSON (a browser, an XML-only integration,
/// <c>curl -H "Accept: text/plain"</c>). The API has one representation: they get the same problem+json with its
/// stable <c>code</c> as everyone else, never a bare "Status Code: 404" text that loses it.
/// </summary>
public class AcceptHeaderTests(AppFactory app) : IClassFixture<AppFactory>
{
    public static TheoryData<string> NonJsonAccepts => ["application/xml", "text/plain", "text/html", "text/html,application/xhtml+xml,*/*;q=0.8"];

    private HttpClient ClientAccepting(string accept, string? apiKey = null)
    {
        var client = apiKey is null ? app.CreateClient() : app.CreateClient(apiKey);
        client.DefaultRequestHeaders.Accept.ParseAdd(accept);
        return client;
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task NoCredentials_401ProblemWithChallenge(string accept)
    {
        using var client = ClientAccepting(accept);

        await client.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task MistypedKey_401Problem(string accept)
    {
        using var client = ClientAccepting(accept, "fc_live_mistyped");

        await client.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task MissingScope_403ProblemNamingTheScope(string accept)
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = ClientAccepting(accept, key.Secret);

        var problem = await client.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Contains("clients:read", problem.GetProperty("missingScopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Theory]
    [MemberData(nameof(NonJsonAccepts))]
    public async Task InvalidBody_400ProblemNamingTheField(string accept)
    {
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = ClientAccepting(accept, key.Secret);

        var problem = await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = "", scopes = new[] { "clients:read" } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Theory]
    [InlineData("GET", "text/html")]
    [InlineData("GET", "application/xml")]
    [InlineData("POST", "application/json")]
    [InlineData("PUT", "text/plain")]
    [InlineData("DELETE", "application/json")]
    [InlineData("PATCH", "text/html")]
    public async Task UnknownAddress_404ProblemWhateverTheMethod(string method, string accept)
    {
        var key = await app.CreateKeyAsync();
        using var client = ClientAccepting(accept, key.Secret);

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/api/v1/no-such-thing") { Content = Http.Json(new { }) });

        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task KnownAddress_WrongMethod_405ProblemListingTheAllowedOnes()
    {
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(key.Secret);

        var response = await client.PutAsync("/api/v1/clients", Http.Json(new { }));

        await response.ExpectProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Contains("POST", response.Content.Headers.Allow);
    }
}
