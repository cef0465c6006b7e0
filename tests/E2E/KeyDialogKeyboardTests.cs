using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The revoke dialog of a recently used key, from the keyboard: it opens on the typed confirmation, and Escape cancels
/// it. (KeyboardJourneyTests covers Edit, and the revoke of an idle key, which opens on Cancel.)
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class KeyDialogKeyboardTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    private async Task<IPage> OpenDetailAsync(string keyName)
    {
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");
        await page.GetByRole(AriaRole.Link, new() { Name = keyName, Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = keyName, Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    // quickbooks-sync is called every hour by the demo traffic: the revoke asks for its name typed out.
    [Fact]
    public async Task RevokeDialog_RecentlyUsedKey_OpensOnTheConfirmationAndEscapeCancels()
    {
        var page = await OpenDetailAsync("quickbooks-sync");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Revoke quickbooks-sync?" });
        await Expect(dialog.GetByLabel("Type quickbooks-sync to confirm")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true })).ToBeVisibleAsync(); // still active
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
