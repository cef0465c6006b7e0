using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// A key leaks: the admin presses "Report leaked" on its page, and the key answers 401 from the moment step 1 is done.
/// The walk then reviews what the key did (writes first, the test's address marked new), issues a narrower replacement
/// that works, ticks the clean-up checklist, closes the incident and finds it on the Incidents page. Every state is
/// checked with axe-core and captured (docs/screenshots/leak-*.png when FIELDCAMP_SCREENSHOTS points there).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LeakedKeyTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    public static TheoryData<string> Screens => ["1280 light", "390 dark"];

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task ReportLeaked_RevokedAtOnceThenReviewedReplacedCleanedUp(string screenName)
    {
        var screen = Screen.Named(screenName);
        var audit = new AccessibilityAudit(screen);
        var name = KeyJourneySteps.UniqueKeyName("leaky-widget");
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test", screen);
        var secret = await page.CreateKeyAsync(name, preset: "Booking widget intake");
        await page.DismissRevealAsync();

        // The integration works, and writes: a client created and read back, a list read.
        using var http = Client(secret);
        var created = await http.PostAsJsonAsync("api/v1/clients", new { name = "Leaky Plumbing Ltd" });
        Assert.Equal(201, (int)created.StatusCode);
        var clientId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(200, (int)(await http.GetAsync($"api/v1/clients/{clientId}")).StatusCode);
        Assert.Equal(200, (int)(await http.GetAsync("api/v1/jobs")).StatusCode);

        await page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        // The request log is written every second and the page refreshes every 5: wait until it shows the calls.
        await Expect(page.GetByTestId("detail-last-used")).Not.ToHaveTextAsync("Never used yet.", new() { Timeout = KeyJourneySteps.ServerPushTimeout });

        await page.GetByRole(AriaRole.Link, new() { Name = "Report leaked" }).ClickAsync();
        await page.WaitForPathAsync("**/leak");
        var revoke = page.GetByRole(AriaRole.Button, new() { Name = "Revoke now and open an incident" });
        await Expect(revoke).ToBeVisibleAsync();
        await Expect(page.GetByTestId("leak-activity")).ToHaveCountAsync(0);
        // The list page's notice of the new key may still be fading out: measured mid-fade, its colours are neither state.
        await Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await audit.CheckAsync(page, "leak step 1: revoke", shot: "leak-1-revoke");

        await revoke.ClickAsync();
        await Expect(page.GetByTestId("leak-activity")).ToBeVisibleAsync();
        var (status, problem) = await KeyJourneySteps.GetCompanyInfoAsync(_app, secret);
        Assert.Equal(401, status);
        Assert.Equal("key_revoked", problem.GetProperty("code").GetString());

        // Step 1 stays readable once done.
        await page.GetByText("Revoke", new() { Exact = true }).First.ClickAsync();
        await Expect(page.GetByTestId("leak-revoked")).ToBeVisibleAsync();
        await audit.CheckAsync(page, "leak step 1: revoked", shot: "leak-1-revoked");
        await page.GetByRole(AriaRole.Button, new() { Name = "Review its activity" }).ClickAsync();

        var writes = page.GetByTestId("leak-writes");
        await Expect(writes).ToContainTextAsync("POST /api/v1/clients");
        await Expect(page.GetByTestId("leak-reads")).ToContainTextAsync("GET /api/v1/clients/{id}");
        await Expect(page.GetByTestId("leak-reads")).ToContainTextAsync("Leaky Plumbing Ltd");
        await Expect(page.GetByTestId("leak-new-ips")).ToContainTextAsync("127.0.0.1");
        await page.GetByText("48 hours", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("leak-activity-total")).ToContainTextAsync("48 hours");
        await audit.CheckAsync(page, "leak step 2: activity", shot: "leak-2-activity");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save this review and continue" }).ClickAsync();

        var issue = page.GetByRole(AriaRole.Button, new() { Name = "Issue replacement" });
        await Expect(issue).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "jobs:write" }).UncheckAsync();
        await audit.CheckAsync(page, "leak step 3: replacement", shot: "leak-3-replacement");
        await issue.ClickAsync();
        var revealed = page.GetByTestId("revealed-secret");
        await Expect(revealed).ToHaveTextAsync(new Regex(@"^\s*fc_live_\S+\s*$"));
        var replacement = (await revealed.TextContentAsync())!.Trim();
        await audit.CheckAsync(page, "leak step 3: reveal", shot: "leak-3-reveal");
        var (newStatus, info) = await KeyJourneySteps.GetCompanyInfoAsync(_app, replacement);
        Assert.Equal(200, newStatus);
        Assert.Equal(["clients:write", "jobs:read"], info.GetProperty("credential").GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).Order());
        await page.DismissRevealAsync();

        var checklist = page.GetByTestId("leak-checklist");
        await Expect(checklist).ToBeVisibleAsync();
        foreach (var (label, index) in new[] { "Secrets manager", "CI variables", "Local .env files", "Deployment platform" }.Select((l, i) => (l, i)))
        {
            await checklist.GetByLabel(label).CheckAsync();
            await Expect(page.GetByTestId("leak-tick")).ToHaveCountAsync(index + 1);
        }
        var close = page.GetByRole(AriaRole.Button, new() { Name = "Close the incident" });
        await Expect(close).ToBeDisabledAsync();
        await audit.CheckAsync(page, "leak step 4: checklist", shot: "leak-4-checklist");
        await checklist.GetByLabel("Cached copies").CheckAsync();
        await Expect(close).ToBeEnabledAsync();
        await close.ClickAsync();
        await Expect(page.GetByTestId("leak-closed")).ToBeVisibleAsync();

        if (screen.IsPhone) await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Incidents", Exact = true }).ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/incidents");
        var table = page.GetByTestId("incident-table");
        await Expect(table).ToContainTextAsync(screen.IsPhone ? name : "Closed");
        await audit.CheckAsync(page, "incidents", shot: "incidents");

        await table.GetByRole(AriaRole.Link).First.ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/incidents/inc_*");
        await Expect(page.GetByTestId("incident-checklist")).ToContainTextAsync("Cached copies: done");
        await Expect(page.GetByTestId("incident-facts")).ToContainTextAsync(name);
        await audit.CheckAsync(page, "incident detail", shot: "incident-detail");

        // The key's own page lists its incident and its history the report.
        await page.GetByTestId("incident-facts").GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).First.ClickAsync(); // the leaked key; the replacement has its name too
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        await Expect(page.GetByTestId("key-incidents")).ToContainTextAsync("Closed");
        await Expect(page.GetByTestId("key-history")).ToContainTextAsync("Reported leaked");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Report leaked" })).ToHaveCountAsync(0);
        await audit.CheckAsync(page, "key page with its incident", shot: "leak-key-page");

        audit.AssertClean();
    }

    private HttpClient Client(string secret)
    {
        var http = new HttpClient { BaseAddress = _app.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return http;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
