using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Dashboard;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>The lookup behind the key form's warning about a name another key of the branch already has.</summary>
public sealed class NameInUseTests : IDisposable
{
    private const string Admin = "admin@acme.test";

    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<DashboardKeys> AdminKeysAsync() => _app.KeysFor(await _app.WorkspaceForAsync(Admin));

    [Theory]
    [InlineData("quickbooks-sync")]
    [InlineData("QuickBooks-Sync")]
    [InlineData("  quickbooks-sync ")]
    [InlineData("ｑｕｉｃｋｂｏｏｋｓ-sync")] // full-width letters look the same on screen
    [InlineData("quickbooks\u2010sync")] // a Unicode hyphen
    public async Task NameInUseAsync_ActiveKeyInTheBranch_GivesItsNameWhateverTheCase(string name)
    {
        Assert.Equal("quickbooks-sync", await (await AdminKeysAsync()).NameInUseAsync(name));
    }

    [Fact]
    public async Task NameInUseAsync_SameAccentedNameComposedDifferently_IsFound()
    {
        var keys = await AdminKeysAsync();
        await _app.CreateKeyAsync("North", "caf\u00e9-orders"); // é as one character

        Assert.Equal("caf\u00e9-orders", await keys.NameInUseAsync("cafe\u0301-orders")); // e + combining accent
    }

    [Fact]
    public async Task NameInUseAsync_NewName_IsNull()
    {
        Assert.Null(await (await AdminKeysAsync()).NameInUseAsync("quickbooks-sync-2"));
    }

    [Fact]
    public async Task NameInUseAsync_RevokedKey_IsNull()
    {
        var keys = await AdminKeysAsync();
        await keys.RevokeAsync(await _app.KeyIdAsync("quickbooks-sync"));

        Assert.Null(await keys.NameInUseAsync("quickbooks-sync"));
    }

    [Fact]
    public async Task NameInUseAsync_TheKeyBeingEdited_IsNull()
    {
        var keys = await AdminKeysAsync();
        var id = await _app.KeyIdAsync("quickbooks-sync");

        Assert.Null(await keys.NameInUseAsync("QuickBooks-Sync", exceptKeyId: id));
        Assert.Equal("zapier-job-sync", await keys.NameInUseAsync("zapier-job-sync", exceptKeyId: id));
    }

    [Fact]
    public async Task NameInUseAsync_KeyOfAnotherBranch_IsNull()
    {
        var workspace = await _app.WorkspaceForAsync(Admin);
        await workspace.SwitchToAsync(workspace.Company!.Branches.Single(b => b.Name == "South").Id);

        Assert.Null(await _app.KeysFor(workspace).NameInUseAsync("quickbooks-sync"));
    }

    // SQLite's lower() leaves letters outside ASCII as they are; the comparison must still ignore their case.
    [Fact]
    public async Task NameInUseAsync_NonAsciiNameInOtherCase_GivesItsName()
    {
        var keys = await AdminKeysAsync();
        await keys.CreateAsync(new NewApiKey("Überweisung-Äpfel-🍎", ["invoices:read"]));

        Assert.Equal("Überweisung-Äpfel-🍎", await keys.NameInUseAsync("überweisung-äpfel-🍎"));
    }
}
