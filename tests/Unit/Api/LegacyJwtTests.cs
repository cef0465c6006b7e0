using System.Net;
using Microsoft.IdentityModel.Tokens;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The legacy long-lived HS256 tokens: accepted as Bearer credentials with every scope (Development signs them
/// with <c>LegacyJwt:SigningKey</c> from appsettings.Development.json), refused in every other shape.
/// </summary>
public class LegacyJwtTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string CompanyInfo = "/api/v1/company-info";

    private HttpClient Client(string token) => app.CreateClient(token, KeyHeader.Bearer);

    [Fact]
    public async Task Jwt_ValidForAcme_200WithEveryScopeInTheFirstBranch()
    {
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "acme" }));

        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("acme", info.GetProperty("company").GetProperty("slug").GetString());
        Assert.Equal("North", info.GetProperty("branch").GetProperty("name").GetString());
        var credential = info.GetProperty("credential");
        Assert.Equal("legacy_jwt", credential.GetProperty("type").GetString());
        Assert.Equal(["*"], credential.GetProperty("scopes").Strings());
        Assert.True(credential.IsNull("expiresAt"));
    }

    [Theory]
    [InlineData("south")]
    [InlineData("South")]
    [InlineData("SOUTH")]
    public async Task Jwt_BranchInAnyCase_ActsInThatBranch(string branch)
    {
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "acme", ["branch"] = branch }));

        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("South", info.GetProperty("branch").GetProperty("name").GetString());
        var (_, southId) = await app.TenantAsync("acme", "South");
        Assert.Equal(southId, info.GetProperty("branch").GetProperty("id").GetString());
    }

    [Fact]
    public async Task Jwt_FullScope_ReachesScopedEndpoints()
    {
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "globex" }));

        var clients = await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync("/api/v1/api-keys").ExpectAsync(HttpStatusCode.OK);

        Assert.All(clients.GetProperty("data").EnumerateArray(),
            c => Assert.Contains("(Main)", c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Jwt_WithFutureExp_200AndReportsExpiry()
    {
        var exp = DateTime.UtcNow.AddDays(30);
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "acme" }, expires: exp));

        var info = await client.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        var expiresAt = info.GetProperty("credential").GetProperty("expiresAt").GetDateTime();
        Assert.InRange((expiresAt.ToUniversalTime() - exp).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Jwt_UnknownCompany_401InvalidKey()
    {
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "initech" }));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_UnknownBranch_401InvalidKey()
    {
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "acme", ["branch"] = "Main" }));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_WithoutCompanyClaim_401InvalidKey()
    {
        using var client = Client(LegacyTokens.Create(new() { ["branch"] = "North" }));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_SignedWithAnotherKey_401InvalidKey()
    {
        var token = LegacyTokens.Create(new() { ["company"] = "acme" }, signingKey: "some-other-signing-key-of-at-least-32-bytes");
        using var client = Client(token);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_TamperedPayload_401InvalidKey()
    {
        var token = LegacyTokens.Create(new() { ["company"] = "acme" });
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{Base64UrlEncoder.Encode("{\"company\":\"globex\"}")}.{parts[2]}";
        using var client = Client(forged);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_Expired_401KeyExpired()
    {
        using var client = Client(LegacyTokens.Create(new() { ["company"] = "acme" }, expires: DateTime.UtcNow.AddMinutes(-5)));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_expired");
    }

    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    public async Task Jwt_OtherHmacAlgorithmWithTheRightKey_401InvalidKey(string algorithm)
    {
        var key = LegacyTokens.DevelopmentSigningKey + LegacyTokens.DevelopmentSigningKey; // long enough for HS512
        var token = LegacyTokens.Create(new() { ["company"] = "acme" }, signingKey: key, algorithm: algorithm);
        using var client = Client(token);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_AlgNoneUnsigned_401InvalidKey()
    {
        using var client = Client(LegacyTokens.Unsigned("{\"company\":\"acme\"}"));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_InXApiKeyHeader_401InvalidKey()
    {
        using var client = app.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }), KeyHeader.XApiKey);

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }

    [Fact]
    public async Task Jwt_WhenDisabled_401InvalidKey()
    {
        using var disabled = new AppFactory { Settings = { ["LegacyJwt:Enabled"] = "false" } };
        using var client = disabled.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        // API keys are unaffected by the switch.
        var key = await disabled.CreateKeyAsync();
        using var keyClient = disabled.CreateClient(key.Secret);
        await keyClient.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Jwt_WhenNoSigningKeyConfigured_401InvalidKey()
    {
        using var unsigned = new AppFactory { Settings = { ["LegacyJwt:SigningKey"] = "" } };
        using var client = unsigned.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }));

        await client.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
    }
}
