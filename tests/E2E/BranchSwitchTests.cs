using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>Keys belong to a branch: switching branch shows that branch's keys, and a key made there acts there.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BranchSwitchTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task SwitchToSouth_KeyFromNorthHidden_NewKeyActsInSouth()
    {
        var northKey = KeyJourneySteps.UniqueKeyName("north");
        var southKey = KeyJourneySteps.UniqueKeyName("south");
        var page = _page = await browser.Browser.SignInAsync(_app, "admin@acme.test");

        await page.CreateKeyAsync(northKey);
        await page.DismissRevealAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = northKey, Exact = true })).ToBeVisibleAsync();

        // The app bar shows the branch on the switcher; the company beside it, and in the menu.
        var switcher = page.GetByRole(AriaRole.Button, new() { Name = "Switch branch" });
        await Expect(switcher).ToHaveTextAsync("North");
        await Expect(switcher).ToHaveAccessibleNameAsync("Branch: North of Acme Field Services. Switch branch");
        await switcher.ClickAsync();
        var south = page.GetByRole(AriaRole.Menuitem, new() { Name = "South", Exact = true });
        await Expect(south).ToBeVisibleAsync();
        // Switching reloads the whole page on the new branch's list.
        await page.ReloadedByAsync(() => south.ClickAsync());

        await Expect(switcher).ToHaveTextAsync("South");
        await Expect(page.GetByText("No keys in this branch yet.")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = northKey, Exact = true })).ToHaveCountAsync(0);

        var secret = await page.CreateKeyAsync(southKey);
        var (status, info) = await KeyJourneySteps.GetCompanyInfoAsync(_app, secret);
        Assert.Equal(200, status);
        Assert.Equal("Acme Field Services", info.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal("South", info.GetProperty("branch").GetProperty("name").GetString());

        await page.DismissRevealAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = southKey, Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = northKey, Exact = true })).ToHaveCountAsync(0);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
