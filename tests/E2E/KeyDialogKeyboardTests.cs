using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>The key detail's dialogs from the keyboard: each opens on its first control, and Escape cancels it.</summary>
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

    // zapier-job-sync has not been used for months: no typed confirmation, so the safe choice takes the focus.
    [Fact]
    public async Task RevokeDialog_IdleKey_OpensOnCancel()
    {
        var page = await OpenDetailAsync("zapier-job-sync");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Revoke zapier-job-sync?" });
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeFocusedAsync();
    }

    [Fact]
    public async Task EditDialog_OpensOnTheNameAndEscapeCancels()
    {
        var page = await OpenDetailAsync("zapier-job-sync");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true }).ClickAsync();

        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Edit zapier-job-sync" });
        var name = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" });
        await Expect(name).ToBeFocusedAsync();
        await name.FillAsync("renamed-but-cancelled");
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "zapier-job-sync", Level = 1 })).ToBeVisibleAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
