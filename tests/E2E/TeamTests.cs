using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FieldCamp.Tests.E2E;

/// <summary>
/// The owner's Team page: inviting a person who then joins through the one-time link in a browser of their own, and a
/// demoted admin whose open tab loses what an admin may do, without a reload. The app revalidates open tabs every
/// second here (the default is 15 s), so the test does not wait long for what a person would see within 30 s.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TeamTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string NewPassword = "Joiner!pass2026";
    private static readonly Regex ApiKeysUrl = new(@"/settings/developer/api-keys$");

    private readonly AppServer _app = new(settings: new Dictionary<string, string?> { ["Dashboard:RevalidationInterval"] = "00:00:01" });
    private readonly List<IBrowserContext> _contexts = [];

    private async Task<IPage> SignInAsync(string email, Screen? screen = null)
    {
        var page = await browser.Browser.SignInAsync(_app, email, screen);
        _contexts.Add(page.Context);
        return page;
    }

    private static async Task OpenTeamAsync(IPage page)
    {
        await page.GotoAsync("settings/team");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Team", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("team-person").First).ToBeVisibleAsync();
    }

    private static async Task<string> InviteAsync(IPage page, string email, string role, AccessibilityAudit? audit = null)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByLabel("E-mail")).ToBeFocusedAsync();
        await dialog.GetByLabel("E-mail").FillAsync(email);
        await dialog.GetByRole(AriaRole.Radio, new() { Name = role }).CheckAsync();
        if (audit is not null) await audit.CheckAsync(page, "add a person", shot: "16-team-invite");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add person" }).ClickAsync();

        var linkBox = page.GetByTestId("invitation-link");
        await Expect(linkBox).ToBeVisibleAsync();
        var link = (await linkBox.TextContentAsync())!.Trim();
        if (audit is not null) await audit.CheckAsync(page, "one-time invitation link", shot: "16-team-invite-link");
        var done = page.GetByRole(AriaRole.Button, new() { Name = "Done" });
        await Expect(done).ToBeDisabledAsync();
        await page.GetByLabel("I have copied the link").CheckAsync();
        await done.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
        return link;
    }

    [Fact]
    public async Task Invite_NewPerson_JoinsThroughTheLinkWithTheGivenRole()
    {
        var owner = await SignInAsync("owner@acme.test");
        await OpenTeamAsync(owner);
        await Expect(owner.GetByTestId("team-person")).ToHaveCountAsync(3);

        var link = await InviteAsync(owner, "joiner@acme.test", "Admin");
        Assert.StartsWith(_app.BaseAddress.ToString(), link);
        await Expect(owner.GetByTestId("team-invitation").Filter(new() { HasText = "joiner@acme.test" })).ToBeVisibleAsync();

        // The invitee, in a browser of their own.
        var invitee = await browser.Browser.NewPageAsync(_app, Screen.Desktop);
        _contexts.Add(invitee.Context);
        await invitee.GotoAsync(link);
        await Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Join Acme Field Services" })).ToBeVisibleAsync();
        await Expect(invitee.GetByText("You are invited as Admin")).ToBeVisibleAsync();
        await invitee.GetByLabel("Password", new() { Exact = true }).FillAsync(NewPassword);
        await invitee.GetByLabel("Confirm password").FillAsync(NewPassword);
        await invitee.GetByRole(AriaRole.Button, new() { Name = "Create account and join" }).ClickAsync();

        await Expect(invitee).ToHaveURLAsync(ApiKeysUrl);
        await invitee.WaitForInteractiveAsync();
        await Expect(invitee.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true })).ToBeVisibleAsync();

        // The link worked once.
        var again = await browser.Browser.NewPageAsync(_app, Screen.Desktop);
        _contexts.Add(again.Context);
        await again.GotoAsync(link);
        await Expect(again.GetByRole(AriaRole.Heading, new() { Name = "Invitation not valid" })).ToBeVisibleAsync();

        await owner.ReloadAsync();
        await owner.WaitForInteractiveAsync();
        await Expect(owner.GetByTestId("team-person").Filter(new() { HasText = "joiner@acme.test" })).ToContainTextAsync("Admin");
        await Expect(owner.GetByTestId("team-invitation")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AdminDemotedToMember_OpenTabLosesCreateKeyWithoutReload()
    {
        var admin = await SignInAsync("admin@acme.test");
        var create = admin.GetByRole(AriaRole.Button, new() { Name = "Create key", Exact = true });
        await Expect(create).ToBeVisibleAsync();
        // Set on this document: a reload would lose it.
        await admin.EvaluateAsync("() => window.fieldcampSameDocument = true");

        var owner = await SignInAsync("owner@acme.test");
        await OpenTeamAsync(owner);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Change admin@acme.test" }).ClickAsync();
        await owner.GetByRole(AriaRole.Menuitem, new() { Name = "Make member" }).ClickAsync();
        await Expect(owner.GetByTestId("team-person").Filter(new() { HasText = "admin@acme.test" }).GetByTestId("team-role")).ToHaveTextAsync("Member");

        await Expect(create).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Expect(admin.GetByText("Read-only: owners and admins manage keys")).ToBeVisibleAsync();
        Assert.True(await admin.EvaluateAsync<bool>("() => window.fieldcampSameDocument === true"));
    }

    [Fact]
    public async Task LastOwner_CannotStepDown_ClearMessage()
    {
        var owner = await SignInAsync("owner@acme.test");
        await OpenTeamAsync(owner);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Change owner@acme.test" }).ClickAsync();
        await owner.GetByRole(AriaRole.Menuitem, new() { Name = "Remove from company" }).ClickAsync();
        await owner.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();

        await Expect(owner.GetByText("A company needs at least one owner.", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(owner.GetByTestId("team-person")).ToHaveCountAsync(3);
    }

    [Fact]
    public async Task Admin_TypesTheAddress_OwnersOnlyMessage()
    {
        var admin = await SignInAsync("admin@acme.test");
        await admin.GotoAsync("settings/team");
        await admin.WaitForInteractiveAsync();

        await Expect(admin.GetByTestId("owners-only")).ToContainTextAsync("Only owners can see and change the company's team.");
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Add person" })).ToHaveCountAsync(0);
        await Expect(admin.GetByTestId("team-person")).ToHaveCountAsync(0);
    }

    [Theory]
    [InlineData("1280 light")]
    [InlineData("390 dark")]
    public async Task TeamPagesAndDialogs_Audited(string screenName)
    {
        var screen = Screen.Named(screenName);
        var audit = new AccessibilityAudit(screen);
        var owner = await SignInAsync("owner@acme.test", screen);
        await OpenTeamAsync(owner);
        var link = await InviteAsync(owner, $"audit-{screen.Width}@acme.test", "Member", audit);
        await Expect(owner.GetByTestId("team-invitation")).ToHaveCountAsync(1);
        await audit.CheckAsync(owner, "team with a pending invitation", shot: "16-team");

        await owner.GetByRole(AriaRole.Button, new() { Name = "Change member@acme.test" }).ClickAsync();
        await Expect(owner.GetByRole(AriaRole.Menuitem, new() { Name = "Make admin" })).ToBeVisibleAsync();
        await audit.CheckAsync(owner, "person's menu open");
        await owner.Keyboard.PressAsync("Escape");

        var invitee = await browser.Browser.NewPageAsync(_app, screen);
        _contexts.Add(invitee.Context);
        await invitee.GotoAsync(link);
        await Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Join Acme Field Services" })).ToBeVisibleAsync();
        await audit.CheckAsync(invitee, "accept invitation", shot: "17-accept-invitation");
        await invitee.GetByLabel("Password", new() { Exact = true }).FillAsync("short");
        await invitee.GetByLabel("Confirm password").FillAsync("different");
        await invitee.GetByRole(AriaRole.Button, new() { Name = "Create account and join" }).ClickAsync();
        await Expect(invitee.GetByText("The two passwords differ.")).ToBeVisibleAsync();
        await audit.CheckAsync(invitee, "accept invitation with errors");

        await invitee.GotoAsync("account/invite/not-a-real-token");
        await Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Invitation not valid" })).ToBeVisibleAsync();
        await audit.CheckAsync(invitee, "invitation not valid");

        audit.AssertClean();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts) await context.CloseAsync();
        _app.Dispose();
    }
}
