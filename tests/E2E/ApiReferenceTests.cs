using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The API reference in real Chromium: reached from Developer in the dashboard, it lists the API's operations, loads
/// every file from the app itself, and calls the API from the page with a key in either header.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ApiReferenceTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly string ShotFolder = Environment.GetEnvironmentVariable("FIELDCAMP_SCREENSHOTS")
        ?? Directory.CreateTempSubdirectory("fieldcamp-shots-").FullName;

    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task Reference_FromDeveloperNav_ListsOperationsFromThisServerOnly_AndTriesThemWithAKey()
    {
        _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");
        var origin = _app.BaseAddress.GetLeftPart(UriPartial.Authority);
        var offSite = new List<string>();
        var refused = new List<string>();
        _page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(origin, StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)
                && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
                offSite.Add(request.Url);
        };
        _page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal)) refused.Add(message.Text);
        };

        await _page.GetByRole(AriaRole.Link, new() { Name = "API reference" }).ClickAsync();
        await _page.WaitForPathAsync("**/docs/api/");
        // Operations from the document, by their summaries, under their tags.
        var sidebar = _page.GetByRole(AriaRole.Complementary, new() { Name = "Sidebar for FieldCamp API" });
        await Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = "The tenant and the calling credential. HTTP Method: GET" }))
            .ToBeVisibleAsync(new() { Timeout = 30_000 });
        await sidebar.GetByRole(AriaRole.Button, new() { Name = "Open Group - API keys" }).ClickAsync();
        await Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = "Create a key; the response holds its secret, once. HTTP Method: POST" }))
            .ToBeVisibleAsync();
        await Expect(sidebar.GetByRole(AriaRole.Link, new() { Name = "Revoke a key; it fails from the next request on. HTTP Method: DEL" }))
            .ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "FieldCamp API", Level = 1 })).ToBeVisibleAsync();
        // Scalar's toolbar (with links to its own site) stays off.
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Generate SDK" })).ToHaveCountAsync(0);
        await _page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(ShotFolder, "09-api-reference.png") });

        // "Try it": the key typed into the reference's own client, sent as a bearer token.
        var secret = await MintAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Test Request (get /api/v1/company-info)" }).ClickAsync();
        var client = _page.GetByRole(AriaRole.Dialog, new() { Name = "API Client" });
        await client.GetByRole(AriaRole.Textbox, new() { Name = "Bearer Token" }).FillAsync(secret);
        await client.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Send get request to ") }).ClickAsync();
        var answer = client.GetByRole(AriaRole.Region, new() { Name = "Response" });
        await Expect(answer).ToContainTextAsync("200", new() { Timeout = 15_000 });
        await Expect(answer).ToContainTextAsync("Acme Field Services");
        // And from this page, under its policy, the key works in either header.
        var bearer = await _page.EvaluateAsync<int>("""
            async key => (await fetch('/api/v1/company-info', { headers: { Authorization: 'Bearer ' + key } })).status
            """, secret);
        var header = await _page.EvaluateAsync<int>("""
            async key => (await fetch('/api/v1/company-info', { headers: { 'X-Api-Key': key } })).status
            """, secret);
        Assert.Equal(200, bearer);
        Assert.Equal(200, header);

        Assert.Empty(offSite);
        Assert.Empty(refused);
    }

    private async Task<string> MintAsync()
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var branch = await db.Branches.Join(db.Companies.Where(c => c.Slug == "acme"), b => b.CompanyId, c => c.Id, (b, _) => b)
            .OrderBy(b => b.Id).FirstAsync();
        var manager = _app.Services.GetRequiredService<ApiKeyManager>();
        var (_, secret) = await manager.CreateAsync(new KeyScope(branch.CompanyId, branch.Id),
            new NewApiKey("reference-try-it", ["clients:read"], null, null), Actor.Operator("tests"));
        return secret;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
