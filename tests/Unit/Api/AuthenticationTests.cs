using System.Net;
using System.Net.Http.Headers;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>OWASP API2: how a credential is read from the request, and every way it can be refused.</summary>
public class AuthenticationTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string CompanyInfo = "/api/v1/company-info";

    [Fact, Trait("Store", TestStore.SqliteOnly)]
    public void AppFactory_Started_UsesItsOwnSqliteFile()
    {
        _ = app.Services;

        Assert.True(File.Exists(app.DatabasePath), $"The app should use {app.DatabasePath}.");
    }

    [Fact]
    public async Task Request_NoCredentials_401MissingCredentials()
    {
        using var client = app.CreateClient();

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }

    [Theory]
    [InlineData(KeyHeader.Bearer)]
    [InlineData(KeyHeader.XApiKey)]
    public async Task Request_ValidKeyInEitherHeader_200(KeyHeader header)
    {
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClient(key.Secret, header);

        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(key.Id, info.GetProperty("credential").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("x-api-key")]
    [InlineData("X-API-KEY")]
    [InlineData("X-Api-Key")]
    public async Task Request_ApiKeyHeaderNameInAnyCase_200(string headerName)
    {
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClientWithHeader(headerName, key.Secret);

        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Request_LowercaseBearerScheme_200()
    {
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClientWithHeader("Authorization", "bearer " + key.Secret);

        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Request_BearerWithTwoSpaces_401InvalidKey()
    {
        // Over a raw socket: HttpClient behind the factory re-formats the Authorization header to one space.
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClient();

        var (status, response) = await RawHttp.GetAsync(client.BaseAddress!, CompanyInfo, "Authorization: Bearer  " + key.Secret);

        Assert.True(status == 401, response);
        Assert.Contains("\"code\":\"invalid_key\"", response);
        Assert.Contains("Content-Type: application/problem+json", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("WWW-Authenticate: Bearer realm=\"fieldcamp\"", response, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("X-Api-Key: {0}", "X-Api-Key: {0}")]
    [InlineData("Authorization: Bearer {0}", "Authorization: Bearer {0}")]
    [InlineData("X-Api-Key: {0}, {0}")]
    [InlineData("Authorization: Bearer {0}, Bearer {0}")]
    public async Task Request_KeyHeaderSentTwice_401AmbiguousCredential(params string[] headerLines)
    {
        // Over a raw socket: HttpClient would fold the two lines into one. Even the same valid key twice is refused.
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClient();

        var (status, response) = await RawHttp.GetAsync(client.BaseAddress!, CompanyInfo,
            [.. headerLines.Select(line => string.Format(line, key.Secret))]);

        Assert.True(status == 401, response);
        Assert.Contains("\"code\":\"ambiguous_credential\"", response);
        Assert.Contains("Send one API key, in Authorization: Bearer or X-Api-Key, once.", response);
        Assert.Contains("WWW-Authenticate: Bearer realm=\"fieldcamp\"", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(key.Secret, response.Split("\r\n\r\n", 2)[1]);
    }

    [Fact]
    public async Task Request_BothHeadersSameKey_200()
    {
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClient(key.Secret, KeyHeader.Bearer);
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Secret);

        await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Request_BothHeadersDifferentValidKeys_401ConflictingCredentials()
    {
        var first = await app.CreateKeyAsync();
        var second = await app.CreateKeyAsync();
        using var client = app.CreateClient(first.Secret, KeyHeader.Bearer);
        client.DefaultRequestHeaders.Add("X-Api-Key", second.Secret);

        var problem = await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "conflicting_credentials");

        Assert.DoesNotContain(first.Secret, problem.GetRawText());
        Assert.DoesNotContain(second.Secret, problem.GetRawText());
    }

    [Fact]
    public async Task Request_BasicAuthorizationWithValidXApiKey_200GatewayAuthIgnored()
    {
        var key = await app.CreateKeyAsync();
        using var client = app.CreateClient(key.Secret, KeyHeader.XApiKey);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "Z2F0ZXdheTpzZWNyZXQ=");

        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(key.Id, info.GetProperty("credential").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("fc_live_")]
    [InlineData("fc_live_short")]
    [InlineData("fc_live_0123456789012345678901234567890123456789012345678901234567890")]
    [InlineData("fc_live_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    public async Task Request_MalformedKey_401InvalidKey(string credential)
    {
        using var client = app.CreateClientWithHeader("X-Api-Key", credential);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Theory]
    [InlineData(KeyHeader.Bearer)]
    [InlineData(KeyHeader.XApiKey)]
    public async Task Request_KeyWithOneCharacterChanged_401InvalidKey(KeyHeader header)
    {
        var key = await app.CreateKeyAsync();
        var chars = key.Secret.ToCharArray();
        chars[20] = chars[20] == 'a' ? 'b' : 'a';
        var mistyped = new string(chars);
        Assert.False(ApiKeySecret.IsWellFormed(mistyped));
        using var client = app.CreateClient(mistyped, header);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Request_TestPrefixKeyWithValidChecksum_401InvalidKey()
    {
        var live = ApiKeySecret.Generate();
        var body = "fc_test_" + live[8..51];
        var testKey = body + ApiKeySecret.Checksum(body);
        Assert.Equal(ApiKeySecret.Length, testKey.Length);
        using var client = app.CreateClient(testKey);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Request_UnknownKeyWithValidChecksum_401InvalidKey()
    {
        var unknown = ApiKeySecret.Generate();
        Assert.True(ApiKeySecret.IsWellFormed(unknown));
        using var client = app.CreateClient(unknown);

        // Twice: the second answer comes from the negative cache and must be the same.
        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Theory]
    [InlineData("GET", "/api/v1/no-such-thing")]
    [InlineData("DELETE", "/api/v1/company-info")]
    public async Task Request_BadKeyOnRouteThatDoesNotAnswerIt_401NotTheRoutesAnswer(string method, string path)
    {
        // A bad credential is refused before the route or the method is judged, so it learns nothing about either.
        using var client = app.CreateClient(ApiKeySecret.Generate());

        await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Theory]
    [InlineData(KeyHeader.Bearer)]
    [InlineData(KeyHeader.XApiKey)]
    public async Task Request_CredentialChangingOnOneConnection_EachRequestIsTheKeyItSends(KeyHeader header)
    {
        // The server remembers the digest of the key a connection sent last; nothing of that may leak between keys,
        // nor outlive a revocation.
        var first = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var second = await app.CreateKeyAsync();
        using var server = app.CreateClient();
        using var oneConnection = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = server.BaseAddress };
        Task<HttpResponseMessage> Send(HttpMethod method, string path, string key)
        {
            var request = new HttpRequestMessage(method, path);
            if (header == KeyHeader.Bearer) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            else request.Headers.Add("X-Api-Key", key);
            return oneConnection.SendAsync(request);
        }
        async Task<string?> CallerAsync(string key) =>
            (await Send(HttpMethod.Get, CompanyInfo, key).ExpectAsync(HttpStatusCode.OK)).GetProperty("credential").GetProperty("id").GetString();

        Assert.Equal(first.Id, await CallerAsync(first.Secret));
        Assert.Equal(first.Id, await CallerAsync(first.Secret));
        Assert.Equal(second.Id, await CallerAsync(second.Secret));
        await Send(HttpMethod.Get, CompanyInfo, second.Secret[..^1] + (second.Secret[^1] == 'A' ? 'B' : 'A'))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        Assert.Equal(first.Id, await CallerAsync(first.Secret));

        await Send(HttpMethod.Delete, $"/api/v1/api-keys/{second.Id}", first.Secret).ExpectAsync(HttpStatusCode.NoContent);
        await Send(HttpMethod.Get, CompanyInfo, second.Secret).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        await Send(HttpMethod.Get, CompanyInfo, second.Secret).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
    }

    [Fact]
    public async Task Request_RevokedKey_401KeyRevokedOnTheVeryNextRequest()
    {
        var admin = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var target = await app.CreateKeyAsync();
        using var adminClient = app.CreateClient(admin.Secret);
        using var targetClient = app.CreateClient(target.Secret);
        await targetClient.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK); // now cached

        await adminClient.DeleteAsync($"/api/v1/api-keys/{target.Id}").ExpectAsync(HttpStatusCode.NoContent);

        await targetClient.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        using var viaHeader = app.CreateClient(target.Secret, KeyHeader.XApiKey);
        await viaHeader.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
    }

    [Fact]
    public async Task Request_KeyPastItsExpiry_401KeyExpired()
    {
        // Created two days ago with a one-day lifetime, through the domain, as if the clock had moved on since.
        var (companyId, branchId) = await app.TenantAsync();
        var created = DateTime.UtcNow.AddDays(-2);
        var (key, secret) = ApiKey.Create(companyId, branchId,
            new NewApiKey(AppFactory.UniqueName("expired"), ["clients:read"], created.AddDays(1)), Actor.Operator("tests"), created);
        await app.SaveKeyAsync(key);
        using var client = app.CreateClient(secret);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
        await client.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
    }

    [Fact]
    public async Task Request_ProtectedResourceWithoutCredentials_401MissingCredentials()
    {
        using var client = app.CreateClient();

        await client.GetAsync("/api/v1/clients").ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
        await client.GetAsync("/api/v1/api-keys").ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
        await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = "x", scopes = new[] { "*" } }))
            .ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }
}
