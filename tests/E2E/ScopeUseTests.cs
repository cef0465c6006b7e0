using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The key page's "Scope use" section in a real browser: the demo's quickbooks-sync used both its scopes and was
/// refused for <c>items:read</c>; an admin adds that scope with the keyboard alone, and the refusal gives way to the
/// new scope. Checked with axe-core on a desktop and a phone in dark mode.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScopeUseTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    public static TheoryData<string> Screens => ["1280 light", "390 dark"];

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task KeyPage_ScopeUseAndRefusals_AdminAddsTheRefusedScope(string screenName)
    {
        var screen = Screen.Named(screenName);
        var audit = new AccessibilityAudit(screen);
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test", screen);
        await page.GetByRole(AriaRole.Link, new() { Name = "quickbooks-sync", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "quickbooks-sync", Level = 1 })).ToBeVisibleAsync();

        var section = page.GetByTestId("scope-use");
        await Expect(section.GetByRole(AriaRole.Heading, new() { Name = "Scope use (last 90 days)" })).ToBeVisibleAsync();
        var table = section.GetByRole(AriaRole.Table, new() { Name = "Scope use (last 90 days)" });
        await Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(3);   // the header, clients:read, invoices:read
        await Expect(section.GetByTestId("scope-suggestion")).ToHaveTextAsync("Every granted scope was needed: nothing to narrow.");
        var refusal = section.GetByTestId("scope-refused");
        await Expect(refusal).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Refused for items:read \d+ times in the last 7 days"));
        await section.ScrollIntoViewIfNeededAsync();
        await audit.CheckAsync(page, "key page with scope use and a refusal", shot: "scope-use");

        var add = refusal.GetByRole(AriaRole.Button, new() { Name = "Add scope items:read to this key" });
        await add.FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByText("Added items:read to quickbooks-sync.")).ToBeVisibleAsync();
        await Expect(refusal).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("detail-facts")).ToContainTextAsync("items:read");
        await Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(4);
        // The new scope's refusals count as needs: the suggestion does not take back what was just added.
        await Expect(section.GetByTestId("scope-suggestion")).ToHaveTextAsync("Every granted scope was needed: nothing to narrow.");
        await Expect(page.GetByTestId("key-history")).ToContainTextAsync("Scopes: clients:read, invoices:read → clients:read, invoices:read, items:read");
        await audit.CheckAsync(page, "key page after Add scope", shot: "scope-use-added");

        audit.AssertClean();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
