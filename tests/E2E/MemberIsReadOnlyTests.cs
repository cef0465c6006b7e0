using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>A member sees the branch's keys but none of the controls that change them.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MemberIsReadOnlyTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage? _page;

    [Fact]
    public async Task ListAndDetail_AsMember_ShowKeysWithoutManageControls()
    {
        var page = _page = await browser.Browser.SignInAsync(_app, "member@acme.test");

        var demoKey = page.GetByRole(AriaRole.Link, new() { Name = "zapier-job-sync", Exact = true });
        await Expect(demoKey).ToBeVisibleAsync();
        await Expect(page.GetByText("Read-only: owners and admins manage keys")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true })).ToHaveCountAsync(0);

        await demoKey.ClickAsync();
        await page.WaitForPathAsync("**/settings/developer/api-keys/key_*");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "zapier-job-sync", Level = 1 })).ToBeVisibleAsync();
        // The heading and the buttons render together: once the heading is there, absent buttons are really absent.
        await Expect(page.GetByText("Requests per hour")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Edit", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true })).ToHaveCountAsync(0);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
