using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Errors for clients whose <c>Accept</c> header does not list JSON (an XML-only integration, <c>curl -H
/// "Accept: text/plain"</c>). They cannot read a problem body, but they must still get the right 4xx and the
/// challenge, never a 500 (DESIGN §6 and §10: bad input of every kind gets a clear 4xx).
/// </summary>
public class AcceptHeaderTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/plain")]
    public async Task Request_NoCredentialsAcceptingNoJson_401WithChallenge(string accept)
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Accept.ParseAdd(accept);

        var response = await client.GetAsync("/api/v1/company-info");

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
            $"Expected 401, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("Bearer realm=\"fieldcamp\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Fact]
    public async Task Request_InvalidKeyAcceptingXml_401WithChallenge()
    {
        using var client = app.CreateClient("fc_live_mistyped");
        client.DefaultRequestHeaders.Accept.ParseAdd("application/xml");

        var response = await client.GetAsync("/api/v1/clients");

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
            $"Expected 401, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("Bearer realm=\"fieldcamp\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Fact]
    public async Task Request_MissingScopeAcceptingXml_403()
    {
        var key = await app.CreateKeyAsync(scopes: ["jobs:read"]);
        using var client = app.CreateClient(key.Secret);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/xml");

        var response = await client.GetAsync("/api/v1/clients");

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
            $"Expected 403, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task CreateKey_InvalidBodyAcceptingXml_400()
    {
        var key = await app.CreateKeyAsync(scopes: ["*"]);
        using var client = app.CreateClient(key.Secret);
        client.DefaultRequestHeaders.Accept.ParseAdd("application/xml");

        var response = await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = "", scopes = new[] { "clients:read" } }));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest,
            $"Expected 400, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
