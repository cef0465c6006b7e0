using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>The create dialog judges its input inline and warns about the risky choices before anything is saved.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CreateDialogValidationTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task CreateDialog_EmptyNameNeverExpiryFullAccess_ShowsMessagesAndStaysOpen()
    {
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Create API key" });
        await Expect(dialog).ToBeVisibleAsync();

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        await Expect(dialog.GetByText("Give the key a name of 1 to 100 characters, after the integration that uses it.")).ToBeVisibleAsync();
        await Expect(dialog.GetByTestId("scopes-error")).ToHaveTextAsync("Choose at least one scope.");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.GetByTestId("revealed-secret")).ToHaveCountAsync(0);

        await Expect(dialog.GetByTestId("warning-no-expiry")).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Radio, new() { Name = "Never", Exact = true }).CheckAsync();
        await Expect(dialog.GetByTestId("warning-no-expiry")).ToContainTextAsync("forever-key");

        await Expect(dialog.GetByTestId("warning-full-access")).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Switch, new() { Name = "Full access (*) — every scope, now and later" }).CheckAsync();
        await Expect(dialog.GetByTestId("warning-full-access")).ToContainTextAsync("Full access lets this key do anything");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "clients:read" })).ToBeDisabledAsync();

        // Cancelling creates nothing: no secret is revealed and the branch keeps its four demo keys.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByTestId("revealed-secret")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("keys-grid").GetByRole(AriaRole.Link)).ToHaveCountAsync(4);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
