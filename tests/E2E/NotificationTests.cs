using System.Text.RegularExpressions;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Data;
using FieldCamp.Web.Notices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>The bell, in real Chromium against the real app: a key about to expire reaches the admin and leads to its rotation.</summary>
[Collection(BrowserCollection.Name)]
public sealed class NotificationTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly AppServer _app = new();
    private IPage _page = default!;

    [Fact]
    public async Task Bell_ListsAKeyAboutToExpire_AndLeadsToItsRotation()
    {
        var name = KeyJourneySteps.UniqueKeyName("expiring");
        await MintAsync(name, expiresIn: TimeSpan.FromDays(3));
        await _app.Services.GetRequiredService<NoticeScheduler>().RunOnceAsync();

        _page = await browser.Browser.SignInAsync(_app, "admin@acme.test", Screen.Named("1280 light"));
        var bell = _page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex(@"^Notifications, \d+ unread$") });
        await Expect(bell).ToBeVisibleAsync();
        var unreadBefore = int.Parse(Regex.Match((await bell.GetAttributeAsync("aria-label"))!, @"\d+").Value);
        await bell.ClickAsync();

        var notice = _page.GetByTestId("notice").Filter(new() { HasText = name });
        await Expect(notice.GetByRole(AriaRole.Heading)).ToHaveTextAsync(new Regex($"Expiring soon: {Regex.Escape(name)}"));
        await Expect(notice).ToContainTextAsync("Expires in 3 days");
        await notice.GetByRole(AriaRole.Button, new() { Name = $"Rotate now: {name}" }).ClickAsync();

        await _page.WaitForPathAsync(new Regex(@"/settings/developer/api-keys/key_[^/]+/rotate$"));
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(name);
        await Expect(_page.GetByRole(AriaRole.Link, new() { Name = $"Notifications, {unreadBefore - 1} unread" })).ToBeVisibleAsync();
    }

    private async Task MintAsync(string name, TimeSpan expiresIn)
    {
        await using var db = await _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var branch = await db.Branches.Join(db.Companies.Where(c => c.Slug == "acme"), b => b.CompanyId, c => c.Id, (b, _) => b)
            .Where(b => b.Name == "North").SingleAsync();
        var manager = _app.Services.GetRequiredService<ApiKeyManager>();
        await manager.CreateAsync(new KeyScope(branch.CompanyId, branch.Id),
            new NewApiKey(name, ["clients:read"], DateTime.UtcNow + expiresIn, null), Actor.Operator("tests"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_page is not null) await _page.Context.CloseAsync();
        _app.Dispose();
    }
}
