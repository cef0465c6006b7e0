using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The create dialog judges its input inline, takes the person to the first error, and warns about the risky choices
/// before anything is saved.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CreateDialogValidationTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    private async Task<(IPage Page, ILocator Dialog)> OpenCreateDialogAsync()
    {
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Create API key" });
        await Expect(dialog).ToBeVisibleAsync();
        return (page, dialog);
    }

    [Fact]
    public async Task CreateDialog_EmptyNameNeverExpiryFullAccess_ShowsMessagesAndStaysOpen()
    {
        var (page, dialog) = await OpenCreateDialogAsync();
        var name = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" });
        await Expect(name).ToBeFocusedAsync(); // the dialog opens on its first field

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();
        await Expect(dialog.GetByText("Give the key a name of 1 to 100 characters, after the integration that uses it.")).ToBeVisibleAsync();
        await Expect(dialog.GetByTestId("scopes-error")).ToHaveTextAsync("Choose at least one scope.");
        await Expect(name).ToBeFocusedAsync(); // the first error, in the order of the form
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(page.GetByTestId("revealed-secret")).ToHaveCountAsync(0);

        await Expect(dialog.GetByTestId("warning-no-expiry")).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Radio, new() { Name = "Never", Exact = true }).CheckAsync();
        await Expect(dialog.GetByTestId("warning-no-expiry")).ToContainTextAsync("forever-key");

        await Expect(dialog.GetByTestId("warning-full-access")).ToHaveCountAsync(0);
        await dialog.GetByRole(AriaRole.Switch, new() { Name = "Full access (*) — every scope, now and later" }).CheckAsync();
        await Expect(dialog.GetByTestId("warning-full-access")).ToContainTextAsync("Full access lets this key do anything");
        await Expect(dialog.GetByRole(AriaRole.Checkbox, new() { Name = "clients:read" })).ToBeDisabledAsync();
        // The scopes are fixed, and their error goes at once, without another submit.
        await Expect(dialog.GetByTestId("scopes-error")).ToHaveCountAsync(0);

        // Cancelling creates nothing: no secret is revealed and the branch keeps its four demo keys.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByTestId("revealed-secret")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("keys-grid").GetByRole(AriaRole.Link)).ToHaveCountAsync(4);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("5000000")]
    public async Task CreateDialog_LimitOutOfRange_SaysSoAndFocusesTheLimit(string typed)
    {
        var (page, dialog) = await OpenCreateDialogAsync();
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" }).FillAsync(KeyJourneySteps.UniqueKeyName("limit"));
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Accounting sync", Exact = true }).ClickAsync();
        await dialog.GetByRole(AriaRole.Switch, new() { Name = "Give this key its own rate limit" }).CheckAsync();
        var limit = dialog.GetByLabel("Requests per minute");
        await limit.FillAsync(typed);

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();

        await Expect(dialog.GetByText("Choose between 1 and 1,000,000 requests per minute.")).ToBeVisibleAsync();
        await Expect(limit).ToBeFocusedAsync();
        await Expect(page.GetByTestId("revealed-secret")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task CreateDialog_TakenNameWithoutScope_WarnsFocusesTheScopesAndEscapeCancels()
    {
        var (page, dialog) = await OpenCreateDialogAsync();

        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" }).FillAsync("QuickBooks-Sync");
        await Expect(dialog.GetByTestId("name-warning")).ToHaveTextAsync("Another key in this branch is already named quickbooks-sync.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true }).ClickAsync();

        // The scope error sits below the fold of the dialog: it is brought into view, with the focus on the first box.
        var firstBox = dialog.GetByRole(AriaRole.Checkbox, new() { Name = "clients:read" });
        await Expect(firstBox).ToBeFocusedAsync();
        await Expect(dialog.GetByTestId("scopes-error")).ToBeInViewportAsync();
        await Expect(dialog.GetByRole(AriaRole.Group, new() { Name = "Scopes" })).ToHaveAccessibleDescriptionAsync("Choose at least one scope.");

        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByTestId("keys-grid").GetByRole(AriaRole.Link)).ToHaveCountAsync(4);
    }

    // The calendar used to open as a popover that the dialog cut off: no Saturday column, no next-month arrow.
    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task CreateDialog_ExpiryDate_CalendarFitsOnTheScreen(int width, int height)
    {
        var (page, dialog) = await OpenCreateDialogAsync();
        await page.SetViewportSizeAsync(width, height);
        await dialog.GetByRole(AriaRole.Radio, new() { Name = "On a date", Exact = true }).CheckAsync();
        var date = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Last day the key works (UTC)" });

        await date.ClickAsync();

        var calendar = page.GetByRole(AriaRole.Dialog, new() { Name = "Last day the key works (UTC)" });
        await Expect(calendar).ToBeVisibleAsync();
        var next = calendar.GetByRole(AriaRole.Button, new() { Name = "Next month" });
        await Expect(next).ToBeInViewportAsync(new() { Ratio = 1 });
        await Expect(calendar.GetByText("Sat", new() { Exact = true })).ToBeInViewportAsync(new() { Ratio = 1 });
        var box = await calendar.BoundingBoxAsync();
        Assert.True(box!.X >= 0 && box.Y >= 0 && box.X + box.Width <= width && box.Y + box.Height <= height,
            $"The calendar ({box.X}, {box.Y}, {box.Width}×{box.Height}) does not fit a {width}×{height} screen.");

        // Escape closes the calendar alone; the key form stays.
        await page.Keyboard.PressAsync("Escape");
        await Expect(calendar).ToBeHiddenAsync();
        await Expect(dialog).ToBeVisibleAsync();

        await date.ClickAsync();
        await next.ClickAsync();
        await calendar.GetByRole(AriaRole.Button, new() { Name = "15", Exact = true }).ClickAsync();
        await Expect(calendar).ToBeHiddenAsync();
        await Expect(date).Not.ToHaveValueAsync("");
        await Expect(dialog.GetByText("Stops working")).ToBeVisibleAsync();
        await Expect(dialog).ToBeVisibleAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
