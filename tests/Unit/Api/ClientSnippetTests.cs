namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The product documents' client snippets (curl with each header, Python <c>requests</c>, JavaScript <c>axios</c>)
/// work as written. Each case sends, byte for byte, the header lines that client sends for its snippet, as captured
/// from the real client against this app: axios, for one, puts <c>Content-Type: application/json</c> on a GET.
/// </summary>
public class ClientSnippetTests(AppFactory app) : IClassFixture<AppFactory>
{
    public static TheoryData<string, string[]> Clients => new()
    {
        { "curl, Authorization", ["User-Agent: curl/8.5.0", "Accept: */*", "Authorization: Bearer {key}"] },
        { "curl, X-Api-Key", ["User-Agent: curl/8.5.0", "Accept: */*", "X-Api-Key: {key}"] },
        { "Python requests", ["User-Agent: python-requests/2.34.2", "Accept-Encoding: gzip, deflate", "Accept: */*", "X-Api-Key: {key}"] },
        {
            "JavaScript axios", [
                "Accept: application/json, text/plain, */*", "Content-Type: application/json", "Authorization: Bearer {key}",
                "User-Agent: axios/1.21.1", "Accept-Encoding: gzip, compress, deflate, br",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task CompanyInfo_AsTheSnippetSendsIt_200WithTheTenant(string client, string[] headerLines)
    {
        var key = await app.CreateKeyAsync(name: AppFactory.UniqueName(client));
        using var http = app.CreateClient();

        var (status, response) = await RawHttp.GetAsync(http.BaseAddress!, "/api/v1/company-info",
            [.. headerLines.Select(line => line.Replace("{key}", key.Secret, StringComparison.Ordinal))]);

        Assert.True(status == 200, $"{client}: expected 200, got {status}: {response}");
        Assert.Contains("\"slug\":\"acme\"", response, StringComparison.Ordinal);
        Assert.Contains($"\"id\":\"{key.Id}\"", response, StringComparison.Ordinal);
    }
}
