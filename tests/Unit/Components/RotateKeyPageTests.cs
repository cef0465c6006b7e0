using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Rotation;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Components.Pages.ApiKeys;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// The rotation wizard, step by step, over the real app's services: the page reads and changes the rotation through
/// the same manager as the API, and polls for what changes underneath it (the new key's first use).
/// </summary>
public sealed class RotateKeyPageTests : MudTestContext, IDisposable
{
    private const string Admin = "admin@acme.test";

    private readonly DashboardApp _app = new();
    private Workspace _workspace = default!;
    private DashboardKeys _keys = default!;

    public void Dispose() => _app.Dispose();

    private async Task<ApiKey> SignInWithKeyAsync(string email = Admin, string[]? scopes = null)
    {
        (_workspace, _keys) = await _app.AddDashboardServicesAsync(Context, email);
        var admin = await _app.WorkspaceForAsync(Admin);
        var (key, _) = await _app.KeysFor(admin).CreateAsync(
            new NewApiKey(AppFactory.UniqueName("billing-sync"), scopes ?? ["invoices:read", "clients:read"], _keys.Now.AddDays(30)));
        return key;
    }

    private Actor Person => Actor.Person(_workspace.UserId, _workspace.Email, null);

    /// <summary>Rotates the key (as the API or another admin would) and moves the rotation to the given step.</summary>
    private async Task<KeyRotation> RotateToAsync(ApiKey key, RotationStep step, RotationOptions? options = null)
    {
        var scope = new KeyScope(key.CompanyId, key.BranchId);
        var (_, _, _, rotation) = (await _app.Manager.RotateAsync(scope, key.Id, options ?? new RotationOptions(), Person))!.Value;
        for (var s = RotationStep.Deploying; s <= step; s++) await _app.Manager.MoveRotationAsync(scope, rotation.Id, s, Person);
        return rotation;
    }

    private IRenderedComponent<RotateKey> Render(string keyId, string readyTestId)
    {
        var page = Context.Render<RotateKey>(p => p.Add(r => r.Id, keyId));
        page.WaitForAssertion(() => Assert.True(page.HasTestId(readyTestId)), TimeSpan.FromSeconds(10));
        return page;
    }

    private async Task<KeyRotation> StoredAsync(string rotationId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.KeyRotations.AsNoTracking().SingleAsync(r => r.Id == rotationId);
    }

    private async Task<ApiKey> KeyAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == keyId);
    }

    [Fact]
    public async Task Mint_PrefilledFromOldKey_MintsRevealsOnceAndMovesToDeploy()
    {
        var old = await SignInWithKeyAsync();
        var dialogs = RenderDialogProvider();
        var page = Render(old.Id, "step-mint");

        Assert.Equal(old.Name, page.Field("Name").GetAttribute("value"));
        Assert.True(page.CheckBox("invoices:read").IsChecked());
        Assert.True(page.CheckBox("clients:read").IsChecked());
        Assert.False(page.CheckBox("jobs:read").IsChecked());
        Assert.True(page.Radio("90 days").IsChecked());
        Assert.False(page.HasTestId("wider-scopes-warning"));

        // The click's handler waits for the reveal to close.
        var minting = page.ClickAsync("Mint replacement");

        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasTestId("revealed-secret")), TimeSpan.FromSeconds(10));
        var secret = dialogs.ByTestId("revealed-secret").TextContent.Trim();
        Assert.True(ApiKeySecret.IsWellFormed(secret));
        await dialogs.TickAsync("I have stored this key in a safe place", true);
        await dialogs.ClickAsync("Done");
        await minting;

        page.WaitForAssertion(() => Assert.True(page.HasTestId("step-deploy")), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(secret, page.Markup);
        var stored = await KeyAsync(old.Id);
        Assert.NotNull(stored.ReplacedByKeyId);
        await using var db = await _app.CreateDbContextAsync();
        var rotation = await db.KeyRotations.SingleAsync(r => r.OldKeyId == old.Id);
        Assert.Equal(RotationStep.Deploying, rotation.Step);
        var replacement = await db.ApiKeys.SingleAsync(k => k.Id == rotation.ReplacementKeyId);
        Assert.Equal(old.Name, replacement.Name);
        Assert.Equal(["clients:read", "invoices:read"], replacement.Scopes);
        Assert.InRange(replacement.ExpiresAt!.Value, _keys.Now.AddDays(90).AddMinutes(-1), _keys.Now.AddDays(90).AddMinutes(1));
        Assert.True(page.HasTestId("rotating-badge"));
    }

    [Fact]
    public async Task Mint_WiderScopes_WarnsAndNeedsTheExtraScopesConfirmed()
    {
        var old = await SignInWithKeyAsync();
        RenderDialogProvider();
        var page = Render(old.Id, "step-mint");

        await page.TickAsync("jobs:read", true);

        page.WaitForAssertion(() => Assert.Contains("jobs:read", page.ByTestId("wider-scopes-warning").TextContent));
        Assert.True(page.Button("Mint replacement").IsDisabled());
        await page.TickAsync("Give the replacement these extra scopes", true);
        Assert.False(page.Button("Mint replacement").IsDisabled());
    }

    [Fact]
    public async Task Mint_NarrowedScopes_NoWarning()
    {
        var old = await SignInWithKeyAsync();
        RenderDialogProvider();
        var page = Render(old.Id, "step-mint");

        await page.TickAsync("clients:read", false);

        Assert.False(page.HasTestId("wider-scopes-warning"));
        Assert.False(page.Button("Mint replacement").IsDisabled());
    }

    [Fact]
    public async Task Deploy_TicksAreStoredWithTimeAndPerson()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.Deploying);
        var page = Render(old.Id, "step-deploy");

        await page.TickAsync("Put the new key in the integration's environment or secrets manager", true);
        await page.TickAsync("Call a real endpoint with the new key and check the answer", true);

        var stored = await StoredAsync(rotation.Id);
        Assert.Equal([RotationChecklist.SecretStore, RotationChecklist.TestCall], stored.Ticks.Select(t => t.Item));
        Assert.All(stored.Ticks, t => Assert.Equal(Admin, t.By));
        page.WaitForAssertion(() => Assert.Contains(Admin, page.ByTestId("step-deploy").TextContent));
    }

    [Fact]
    public async Task Deploy_NewKeyFirstUsed_SeenInUseTurnsOnWithoutReload()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.Deploying);
        var page = Render(old.Id, "step-deploy");
        Assert.Contains("Waiting for the new key's first request", page.ByTestId("seen-in-use").TextContent);

        // What the usage writer does when it writes the replacement's first request.
        await using (var db = await _app.CreateDbContextAsync())
        {
            var stored = await db.KeyRotations.SingleAsync(r => r.Id == rotation.Id);
            var oldKey = await db.ApiKeys.SingleAsync(k => k.Id == old.Id);
            stored.ReplacementSeen(oldKey, _keys.Now, "203.0.113.77", "deploy-bot/2.1", _keys.Now);
            await db.SaveChangesAsync();
        }

        page.WaitForAssertion(() =>
        {
            var seen = page.ByTestId("seen-in-use").TextContent;
            Assert.Contains("Seen in use", seen);
            Assert.Contains("203.0.113.77", seen);
            Assert.Contains("deploy-bot/2.1", seen);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Deploy_ChoosingAutoRevoke_StoredOnTheRotation()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.Deploying);
        var page = Render(old.Id, "step-deploy");

        await page.InvokeAsync(() => page.FindComponent<MudSelect<int?>>().Instance.ValueChanged.InvokeAsync(24));

        Assert.Equal(24, (await StoredAsync(rotation.Id)).AutoRevokeAfterIdleHours);
    }

    [Fact]
    public async Task Watch_ShowsBothKeysSideBySideIdleTimeAndWarnsOfOldOnlyAddress()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.WatchingIdle);
        var now = _keys.Now;
        await using (var db = await _app.CreateDbContextAsync())
        {
            db.ApiKeyRequests.AddRange(
                new ApiKeyRequest { ApiKeyId = old.Id, At = now.AddMinutes(-30), Method = "GET", Path = "/api/v1/invoices", Status = 200, Ip = "198.51.100.20", Count = 4 },
                new ApiKeyRequest { ApiKeyId = old.Id, At = now.AddHours(-5), Method = "GET", Path = "/api/v1/invoices", Status = 200, Ip = "203.0.113.5", Count = 2 },
                new ApiKeyRequest { ApiKeyId = rotation.ReplacementKeyId, At = now.AddMinutes(-10), Method = "GET", Path = "/api/v1/invoices", Status = 200, Ip = "203.0.113.5", Count = 3 });
            await db.SaveChangesAsync();
        }
        var page = Render(old.Id, "step-watch");

        var oldUse = page.ByTestId("old-key-use").TextContent;
        Assert.Contains("6 requests", oldUse);
        Assert.Contains("4 requests", oldUse);
        Assert.Contains("3 requests", page.ByTestId("new-key-use").TextContent);
        Assert.Matches(@"idle for \d+ min of 24 h", page.ByTestId("idle-progress").TextContent);
        var warning = page.ByTestId("old-only-ips").TextContent;
        Assert.Contains("198.51.100.20", warning);
        Assert.DoesNotContain("203.0.113.5", warning);
    }

    [Fact]
    public async Task Revoke_BeforeIdleDay_GatedUntilTheNameIsTyped_ThenRevokesAndCompletes()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.RevokeOld);
        var page = Render(old.Id, "step-revoke");

        Assert.Contains("idle for only", page.ByTestId("revoke-gate").TextContent);
        Assert.True(page.Button("Revoke old key").IsDisabled());
        await page.TypeAsync("Type the key's name", old.Name[..^1]);
        Assert.True(page.Button("Revoke old key").IsDisabled());
        await page.TypeAsync("Type the key's name", old.Name);
        Assert.False(page.Button("Revoke old key").IsDisabled());

        await page.ClickAsync("Revoke old key");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("rotation-done")), TimeSpan.FromSeconds(10));
        Assert.NotNull((await KeyAsync(old.Id)).RevokedAt);
        Assert.Null((await KeyAsync(rotation.ReplacementKeyId)).RevokedAt);
        Assert.Equal(RotationStep.Completed, (await StoredAsync(rotation.Id)).Step);
    }

    [Fact]
    public async Task Revoke_OldKeyIdleTheFullPeriod_EnabledWithoutTyping()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.RevokeOld);
        // The rotation began a day ago, and the old key has not been used since.
        await using (var db = await _app.CreateDbContextAsync())
        {
            await db.KeyRotations.Where(r => r.Id == rotation.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.StartedAt, _keys.Now.AddHours(-25)));
        }
        var page = Render(old.Id, "step-revoke");

        Assert.Contains("has been idle for 25 h", page.ByTestId("revoke-gate").TextContent);
        Assert.False(page.Button("Revoke old key").IsDisabled());
        await page.ClickAsync("Revoke old key");

        page.WaitForAssertion(() => Assert.True(page.HasTestId("rotation-done")), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancel_Confirmed_RevokesReplacementAndOldKeyCarriesOn()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.WatchingIdle);
        var dialogs = RenderDialogProvider();
        var page = Render(old.Id, "step-watch");

        var cancelling = page.ClickAsync("Cancel rotation");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Keep rotating")), TimeSpan.FromSeconds(10));
        await dialogs.ActAsync(d => d.FindAll("[role=dialog] button").Single(b => b.TextContent.Trim() == "Cancel rotation"),
            e => e.ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs()));
        await cancelling;

        page.WaitForAssertion(() => Assert.True(page.HasTestId("step-mint")), TimeSpan.FromSeconds(10));
        Assert.Equal(RotationStep.Cancelled, (await StoredAsync(rotation.Id)).Step);
        Assert.NotNull((await KeyAsync(rotation.ReplacementKeyId)).RevokedAt);
        var oldNow = await KeyAsync(old.Id);
        Assert.Null(oldNow.RevokedAt);
        Assert.Null(oldNow.ReplacedByKeyId);
        Assert.False(page.HasTestId("rotating-badge"));
    }

    [Fact]
    public async Task Resume_AnotherAdminOpensTheKey_SeesTheStoredStepAndTicks()
    {
        var old = await SignInWithKeyAsync("owner@acme.test");
        var rotation = await RotateToAsync(old, RotationStep.Deploying);
        var admin = await _app.WorkspaceForAsync(Admin);
        await _app.Manager.TickAsync(admin.KeyScope, rotation.Id, RotationChecklist.Redeploy, true, Actor.Person(admin.UserId, admin.Email, null));
        await _app.Manager.MoveRotationAsync(admin.KeyScope, rotation.Id, RotationStep.WatchingIdle, Actor.Person(admin.UserId, admin.Email, null));

        var page = Render(old.Id, "step-watch");

        Assert.True(page.HasButton("Continue to revoke"));
        Assert.True(page.HasButton("Cancel rotation"));
    }

    [Fact]
    public async Task Member_SeesTheRotationReadOnly()
    {
        var old = await SignInWithKeyAsync("member@acme.test");
        await RotateToAsync(old, RotationStep.Deploying);

        var page = Render(old.Id, "step-deploy");

        Assert.True(page.HasTestId("rotation-read-only"));
        Assert.False(page.HasButton("Cancel rotation"));
        Assert.False(page.HasButton("Continue to watch the old key"));
        Assert.All(page.FindAll("[data-testid='step-deploy'] input[type=checkbox]"), box => Assert.True(box.IsDisabled()));
    }

    [Fact]
    public async Task Member_KeyNotRotating_NoMintForm()
    {
        var old = await SignInWithKeyAsync("member@acme.test");

        var page = Context.Render<RotateKey>(p => p.Add(r => r.Id, old.Id));
        page.WaitForAssertion(() => Assert.True(page.HasTestId("rotation-read-only")), TimeSpan.FromSeconds(10));

        Assert.False(page.HasTestId("step-mint"));
        Assert.False(page.HasButton("Mint replacement"));
    }

    [Fact]
    public async Task OtherBranchKey_NotFound()
    {
        await SignInWithKeyAsync();
        var (companyId, southId) = await SouthAsync();
        var (south, _) = await _app.Manager.CreateAsync(new KeyScope(companyId, southId), new NewApiKey("south-key", ["jobs:read"]), Person);

        var page = Context.Render<RotateKey>(p => p.Add(r => r.Id, south.Id));

        page.WaitForAssertion(() => Assert.Contains("No key with this id exists", page.Markup), TimeSpan.FromSeconds(10));
    }

    private async Task<(string CompanyId, string BranchId)> SouthAsync()
    {
        await using var db = await _app.CreateDbContextAsync();
        var branch = await db.Branches.SingleAsync(b => b.Name == "South");
        return (branch.CompanyId, branch.Id);
    }

    [Fact]
    public async Task ReplacementKey_PointsToTheOldKeysRotation()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.Deploying);

        var page = Render(rotation.ReplacementKeyId, "rotation-elsewhere");

        Assert.Contains($"api-keys/{old.Id}/rotate", page.Markup);
    }

    [Fact]
    public async Task KeyPages_KeyInRotation_RotatingBadgeOnListAndBothKeyPagesWithLinks()
    {
        var old = await SignInWithKeyAsync();
        var rotation = await RotateToAsync(old, RotationStep.Deploying);
        RenderDialogProvider();

        var list = Context.Render<ApiKeyList>();
        list.WaitForAssertion(() => Assert.Contains(old.Name, list.Markup), TimeSpan.FromSeconds(10));
        var rows = list.FindAll("tr").Where(r => r.TextContent.Contains(old.Name)).ToList();
        Assert.Equal(2, rows.Count); // the old key and its replacement share the name
        Assert.All(rows, row => Assert.NotNull(row.QuerySelector("[data-testid='rotating-badge']")));

        foreach (var keyId in new[] { old.Id, rotation.ReplacementKeyId })
        {
            var detail = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, keyId));
            detail.WaitForAssertion(() => Assert.True(detail.HasTestId("rotating-badge")), TimeSpan.FromSeconds(10));
            var link = detail.FindAll("a").Single(a => a.TextContent.Trim() == "Continue rotation");
            Assert.EndsWith($"api-keys/{old.Id}/rotate", link.GetAttribute("href"));
            Assert.False(detail.HasButton("Rotate") || detail.FindAll("a").Any(a => a.TextContent.Trim() == "Rotate"));
        }
    }

    [Fact]
    public async Task KeyPage_KeyNotRotating_OffersRotate()
    {
        var old = await SignInWithKeyAsync();
        RenderDialogProvider();

        var detail = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, old.Id));
        detail.WaitForAssertion(() => Assert.True(detail.HasTestId("detail-facts")), TimeSpan.FromSeconds(10));

        var rotate = detail.FindAll("a").Single(a => a.TextContent.Trim() == "Rotate");
        Assert.EndsWith($"api-keys/{old.Id}/rotate", rotate.GetAttribute("href"));
        Assert.False(detail.HasTestId("rotating-badge"));
    }
}
