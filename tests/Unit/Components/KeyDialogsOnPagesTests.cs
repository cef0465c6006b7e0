using Bunit;
using FieldCamp.Web.Components.Pages.ApiKeys;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// The key dialogs as the pages open them, over the real app's services and the demo workspace: Escape cancels the
/// create, edit and revoke dialogs, and the create form warns about a name already in the branch.
/// </summary>
public sealed class KeyDialogsOnPagesTests : MudTestContext, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly DashboardApp _app = new();

    // Runs after the bUnit context's async disposal, so the page is gone before the app it reads from.
    public void Dispose() => _app.Dispose();

    private async Task<(IRenderedComponent<ApiKeyList> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderListAsync()
    {
        await _app.AddDashboardServicesAsync(Context, "admin@acme.test");
        var dialogs = RenderDialogProvider();
        Context.Render<MudSnackbarProvider>();
        var page = Context.Render<ApiKeyList>();
        page.WaitForAssertion(() => Assert.Contains("zapier-job-sync", page.Text()), Patience);
        return (page, dialogs);
    }

    private async Task<(IRenderedComponent<ApiKeyDetail> Page, IRenderedComponent<MudDialogProvider> Dialogs)> RenderDetailAsync(string keyId)
    {
        await _app.AddDashboardServicesAsync(Context, "admin@acme.test");
        var dialogs = RenderDialogProvider();
        Context.Render<MudSnackbarProvider>();
        var page = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, keyId));
        page.WaitForAssertion(() => Assert.True(page.HasButton("Revoke")), Patience);
        return (page, dialogs);
    }

    private async Task<(string Name, DateTime? RevokedAt)> StoredAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        var stored = await db.ApiKeys.Where(k => k.Id == keyId).Select(k => new { k.Name, k.RevokedAt }).SingleAsync();
        return (stored.Name, stored.RevokedAt);
    }

    [Fact]
    public async Task CreateDialog_Escape_ClosesAndCreatesNothing()
    {
        var (page, dialogs) = await RenderListAsync();
        var creating = page.ClickAsync("Create key");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Create key")), Patience);
        await dialogs.TypeAsync("Name", "half-done");

        await PressEscapeAsync(dialogs);

        await creating.WaitAsync(Patience); // the page's handler ends once the dialog is cancelled
        Assert.Empty(dialogs.FindAll("[role=dialog]"));
        await using var db = await _app.CreateDbContextAsync();
        Assert.False(await db.ApiKeys.AnyAsync(k => k.Name == "half-done"));
    }

    [Fact]
    public async Task EditDialog_Escape_ClosesAndChangesNothing()
    {
        var id = await _app.KeyIdAsync("quickbooks-sync");
        var (page, dialogs) = await RenderDetailAsync(id);
        var editing = page.ClickAsync("Edit");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Save changes")), Patience);
        await dialogs.TypeAsync("Name", "renamed");

        await PressEscapeAsync(dialogs);

        await editing.WaitAsync(Patience);
        Assert.Empty(dialogs.FindAll("[role=dialog]"));
        Assert.Equal("quickbooks-sync", (await StoredAsync(id)).Name);
    }

    [Fact]
    public async Task RevokeDialog_Escape_ClosesAndTheKeyStaysActive()
    {
        var id = await _app.KeyIdAsync("quickbooks-sync");
        var (page, dialogs) = await RenderDetailAsync(id);
        var revoking = page.ClickAsync("Revoke");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Revoke key")), Patience);

        await PressEscapeAsync(dialogs);

        await revoking.WaitAsync(Patience);
        Assert.Empty(dialogs.FindAll("[role=dialog]"));
        Assert.Null((await StoredAsync(id)).RevokedAt);
    }

    [Fact]
    public async Task CreateDialog_NameOfAnActiveKey_WarnsAndStillCreates()
    {
        var (page, dialogs) = await RenderListAsync();
        var creating = page.ClickAsync("Create key");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasButton("Create key")), Patience);

        await dialogs.TypeAsync("Name", "QuickBooks-Sync");

        dialogs.WaitForAssertion(() => Assert.Equal("Another key in this branch is already named quickbooks-sync.",
            dialogs.ByTestId("name-warning").TextContent.Trim()), Patience);
        await dialogs.ClickAsync("Accounting sync");
        await dialogs.ClickAsync("Create key");
        dialogs.WaitForAssertion(() => Assert.True(dialogs.HasTestId("revealed-secret")), Patience);
        await dialogs.TickAsync("I have stored this key in a safe place", true);
        await dialogs.ClickAsync("Done");
        await creating.WaitAsync(Patience);
        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal(2, await db.ApiKeys.CountAsync(k => k.Name.ToLower() == "quickbooks-sync"));
    }
}
