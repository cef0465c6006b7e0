using System.Net;
using System.Text.RegularExpressions;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Web.Data;

namespace FieldCamp.Tests.Unit.Dashboard;

/// <summary>
/// An address typed or bookmarked that matches no page answers with the app's own "Nothing here" page and a 404,
/// not an empty 404 that the browser shows as its own error page. The API, files and the health check keep theirs.
/// </summary>
public partial class NotFoundPageTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Theory]
    [InlineData("/settings/nope")]
    [InlineData("/foo/bar")]
    [InlineData("/settings/developer/api-keys/key_1/nope")]
    public async Task UnknownPage_SignedOut_404WithTheNothingHerePageAndASignInLink(string path)
    {
        using var http = app.CreateClient();

        using var response = await http.GetAsync(path);

        var html = await ExpectPageAsync(response);
        Assert.Contains("Nothing here", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"account/login\"", html, StringComparison.Ordinal);
    }

    // A browser navigating asks for HTML; a dot in the address does not make it a file.
    [Theory]
    [InlineData("/people/john.doe")]
    [InlineData("/docs/api.html")]
    public async Task UnknownPageWithADot_BrowserNavigation_404WithTheNothingHerePage(string path)
    {
        using var http = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        using var response = await http.SendAsync(request);

        Assert.Contains("Nothing here", await ExpectPageAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownPage_SignedIn_404WithTheNothingHerePageAndALinkBackToApiKeys()
    {
        using var http = app.CreateClient();
        await SignInAsync(http, "admin@acme.test");

        using var response = await http.GetAsync("/settings/nope");

        var html = await ExpectPageAsync(response);
        Assert.Contains("Nothing here", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"settings/developer/api-keys\"", html, StringComparison.Ordinal);
        Assert.Contains("Back to API keys", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownApiPath_NoCredentials_AProblem401NotThePage()
    {
        using var http = app.CreateClient();

        // Without a credential no API address answers, known or not (RequestLimitsTests covers the rest).
        await http.GetAsync("/api/v1/nope").ExpectProblemAsync(HttpStatusCode.Unauthorized, "missing_credentials");
    }

    [Theory]
    [InlineData("POST", "/settings/nope")]
    [InlineData("DELETE", "/foo/bar")]
    [InlineData("PUT", "/people/john.doe")]
    public async Task UnknownPage_AnyOtherMethod_404Not405(string method, string path)
    {
        using var http = app.CreateClient();

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/nope.css")]
    [InlineData("/_framework/nope")]
    [InlineData("/_content/MudBlazor/nope")]
    public async Task MissingFile_StaysAnEmpty404(string path)
    {
        using var http = app.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_Still200()
    {
        using var http = app.CreateClient();

        using var response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownPage_FreshInstallation_LeadsToSetup()
    {
        await using var fresh = new AppFactory { Environment = "Production" };
        using var http = fresh.CreateClient();

        using var response = await http.GetAsync("/settings/nope");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/setup", response.RequestMessage?.RequestUri?.AbsolutePath);
    }

    /// <summary>Asserts a 404 that is a whole HTML page of the app, as a browser would show it.</summary>
    private static async Task<string> ExpectPageAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"Expected 404 but got {(int)response.StatusCode}: {html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<title>Not found · FieldCamp Console</title>", html, StringComparison.Ordinal);
        Assert.Contains("FieldCamp Console</div>", html, StringComparison.Ordinal);
        return html;
    }

    /// <summary>Signs in through the sign-in form, as a browser does; the client keeps the session cookie.</summary>
    private static async Task SignInAsync(HttpClient http, string email)
    {
        var form = await http.GetStringAsync("/account/login");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var response = await http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = DemoSeeder.Password,
        }));
        Assert.True(response.RequestMessage?.RequestUri?.AbsolutePath == "/settings/developer/api-keys",
            $"Signing in as {email} ended at {response.RequestMessage?.RequestUri} ({(int)response.StatusCode}).");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
