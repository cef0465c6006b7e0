using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// An owner works through the quarter's key review: decides every key (narrows one, revokes one, keeps the rest), marks
/// the quarter complete and downloads the CSV. An admin is refused the page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class QuarterlyAuditTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    public static TheoryData<string> Screens => ["1280 light", "390 dark"];

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Owner_DecidesEveryKeyCompletesTheQuarterAndDownloadsTheCsv(string screenName)
    {
        var screen = Screen.Named(screenName);
        var audit = new AccessibilityAudit(screen);
        var page = _page = await browser.Browser.SignInAsync(_app, "owner@acme.test", screen);

        // The owners' reminder on the API Keys page shows only in a quarter's last 30 days; follow the menu's address instead.
        await page.GotoAsync("settings/developer/quarterly-audit");
        await page.WaitForInteractiveAsync();
        var progress = page.GetByTestId("review-progress");
        await Expect(progress).ToHaveTextAsync("0 of 4 decided");
        await Expect(page.GetByTestId("mark-complete")).ToBeDisabledAsync();
        await audit.CheckAsync(page, "quarterly audit", shot: "13-quarterly-audit");

        await page.GetByRole(AriaRole.Button, new() { Name = "Narrow booking-widget-prod" }).ClickAsync();
        var narrow = page.GetByRole(AriaRole.Dialog);
        await Expect(narrow.GetByRole(AriaRole.Button, new() { Name = "Apply scopes" })).ToBeEnabledAsync();
        await audit.CheckAsync(page, "narrow dialog", shot: "13-quarterly-audit-narrow");
        await narrow.GetByLabel("jobs:write").UncheckAsync();
        await narrow.GetByLabel("Note (optional)").FillAsync("The widget only books; it never edits jobs");
        await narrow.GetByRole(AriaRole.Button, new() { Name = "Apply scopes" }).ClickAsync();
        await Expect(progress).ToHaveTextAsync("1 of 4 decided");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke quickbooks-sync" }).ClickAsync();
        var revoke = page.GetByRole(AriaRole.Dialog);
        // Used within the day: the usual typed confirmation.
        await revoke.GetByLabel("Type quickbooks-sync to confirm").FillAsync("quickbooks-sync");
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Revoke key" }).ClickAsync();
        await Expect(progress).ToHaveTextAsync("2 of 4 decided");

        foreach (var (name, decided) in new[] { ("zapier-job-sync", 3), ("internal-admin-automation", 4) })
        {
            await page.GetByRole(AriaRole.Button, new() { Name = $"Keep {name}" }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Keep key" }).ClickAsync();
            await Expect(progress).ToHaveTextAsync($"{decided} of 4 decided");
        }

        await page.GetByTestId("mark-complete").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Mark complete" }).ClickAsync();
        await Expect(page.GetByTestId("completed-by")).ToContainTextAsync("owner@acme.test");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Keep zapier-job-sync" })).ToHaveCountAsync(0);
        await audit.CheckAsync(page, "quarterly audit complete", shot: "13-quarterly-audit-complete");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        Assert.Matches(@"^fieldcamp-acme-key-review-\d{4}-Q[1-4]\.csv$", download.SuggestedFilename);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Quarter,Branch,Key id,Key name,", lines[0]);
        Assert.Equal(5, lines.Length);
        string Row(string name) => Assert.Single(lines, l => l.Contains($",{name},"));
        Assert.Contains(",narrow,The widget only books; it never edits jobs,owner@acme.test,", Row("booking-widget-prod"));
        Assert.Contains(",revoke,", Row("quickbooks-sync"));
        Assert.Contains(",keep,", Row("zapier-job-sync"));
        Assert.Contains(",keep,", Row("internal-admin-automation"));
        // The narrowed key holds what was applied.
        Assert.Contains(",clients:write jobs:read,", Row("booking-widget-prod"));

        audit.AssertClean();
    }

    [Fact]
    public async Task Admin_IsRefusedThePage()
    {
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");

        await page.GotoAsync("settings/developer/quarterly-audit");
        await page.WaitForInteractiveAsync();

        await Expect(page.GetByTestId("owners-only")).ToContainTextAsync("Only owners can review keys");
        await Expect(page.GetByText("zapier-job-sync")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" })).ToHaveCountAsync(0);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
