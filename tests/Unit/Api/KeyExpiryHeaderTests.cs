using System.Globalization;
using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>Responses to a key that expires say when, so an integration can warn its own team before it breaks.</summary>
public class KeyExpiryHeaderTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Header = "FieldCamp-Key-Expires-At";

    private static DateTime HeaderInstant(HttpResponseMessage response) =>
        DateTime.ParseExact(Assert.Single(response.Headers.GetValues(Header)), "yyyy-MM-dd'T'HH:mm:ss'Z'",
            CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData(KeyHeader.Bearer)]
    [InlineData(KeyHeader.XApiKey)]
    public async Task KeyWithExpiry_EveryResponseCarriesItsExpiry_InRfc3339Utc(KeyHeader header)
    {
        var expiresAt = new DateTime(2031, 5, 17, 8, 30, 0, DateTimeKind.Utc);
        var key = await app.CreateKeyAsync(scopes: ["clients:read"], expiresAt: expiresAt);
        using var client = app.CreateClient(key.Secret, header);

        using var ok = await client.GetAsync("/api/v1/company-info");
        using var forbidden = await client.GetAsync("/api/v1/jobs");
        using var missing = await client.GetAsync("/api/v1/clients/cli_doesnotexist");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.All(new[] { ok, forbidden, missing }, response => Assert.Equal(expiresAt, HeaderInstant(response)));
        Assert.Equal("2031-05-17T08:30:00Z", ok.Headers.GetValues(Header).Single());
    }

    [Fact]
    public async Task KeyWithoutExpiry_AndRequestsWithoutAKey_HaveNoHeader()
    {
        var key = await app.CreateKeyAsync(expiresAt: null);
        using var withKey = await app.CreateClient(key.Secret).GetAsync("/api/v1/company-info");
        using var anonymous = await app.CreateClient().GetAsync("/api/v1/company-info");

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.False(withKey.Headers.Contains(Header));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.False(anonymous.Headers.Contains(Header));
    }

    [Fact]
    public async Task ChangedExpiry_TheNextResponseCarriesTheNewOne()
    {
        var key = await app.CreateKeyAsync(scopes: ["api-keys:manage"], expiresAt: DateTime.UtcNow.AddDays(30));
        using var client = app.CreateClient(key.Secret);
        (await client.GetAsync("/api/v1/company-info")).EnsureSuccessStatusCode();

        var shorter = DateTime.UtcNow.AddDays(3);
        await client.PatchAsync($"/api/v1/api-keys/{key.Id}", new { expiresAt = shorter }).ExpectAsync(HttpStatusCode.OK);
        using var after = await client.GetAsync("/api/v1/company-info");

        Assert.InRange(HeaderInstant(after), shorter.AddSeconds(-1), shorter);
    }
}
