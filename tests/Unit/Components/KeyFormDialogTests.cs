using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Components.Dialogs;
using FieldCamp.Web.Dashboard;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

public sealed class KeyFormDialogTests : MudTestContext
{
    private static readonly DateTime Now = new(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);

    private readonly IRenderedComponent<MudDialogProvider> _provider;

    public KeyFormDialogTests()
    {
        Context.Services.AddSingleton<TimeProvider>(new ManualTimeProvider(Now));
        _provider = RenderDialogProvider();
    }

    private Task<IDialogReference> OpenAsync(KeyForm? form = null, bool isEdit = false) =>
        ShowAsync(_provider, isEdit ? "Edit API key" : "Create API key", new DialogParameters<KeyFormDialog>
        {
            { d => d.Form, form ?? new KeyForm() },
            { d => d.IsEdit, isEdit },
            { d => d.CompanyName, "Acme Field Services" },
            { d => d.SharedLimit, 600 },
        });

    private Task TypeNameAsync(string name) => _provider.TypeAsync("Name", name);

    private Task ChoosePresetAsync(string preset) => _provider.ClickAsync(preset);

    private void AssertStillOpen(IDialogReference reference)
    {
        Assert.False(reference.Result.IsCompleted);
        Assert.True(_provider.HasButton("Create key"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Submit_EmptyName_ShowsNameMessageAndStaysOpen(string name)
    {
        var reference = await OpenAsync();
        await ChoosePresetAsync("Read-only analytics");
        if (name.Length > 0) await TypeNameAsync(name);

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() =>
            Assert.Contains("Give the key a name of 1 to 100 characters, after the integration that uses it.", _provider.Text()));
        AssertStillOpen(reference);
    }

    [Fact]
    public async Task Submit_NoScope_ShowsScopesMessageAndStaysOpen()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("quickbooks-sync");

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Equal("Choose at least one scope.", _provider.ByTestId("scopes-error").TextContent.Trim()));
        AssertStillOpen(reference);
    }

    [Fact]
    public async Task Submit_OnADateWithoutDate_ShowsExpiryMessageAndStaysOpen()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("quickbooks-sync");
        await ChoosePresetAsync("Accounting sync");
        await _provider.ChooseAsync("On a date");

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Contains("Pick the date the key stops working.", _provider.Text()));
        AssertStillOpen(reference);
    }

    // A numeric field with Min="1" would clamp a typed 0 to 1, so the form would be "valid" and the dialog would close
    // with a key limited to 1 request per minute instead of telling the person what is wrong.
    [Fact]
    public async Task Submit_CustomLimitZero_ShowsLimitMessageAndStaysOpen()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("quickbooks-sync");
        await ChoosePresetAsync("Accounting sync");
        await _provider.TickAsync("Give this key its own rate limit", true);
        await _provider.EnterAsync("Requests per minute", "0");

        await _provider.ClickAsync("Create key");

        if (reference.Result.IsCompleted && (await reference.Result)?.Data is KeyForm returned)
            Assert.Fail($"The dialog closed and returned a key limited to {returned.RequestsPerMinute} requests per minute instead of showing the limit message.");
        _provider.WaitForAssertion(() => Assert.Contains("Choose between 1 and", _provider.Text()));
        AssertStillOpen(reference);
    }

    [Fact]
    public async Task Submit_OnADate_ClosesWithTheEndOfThatDay()
    {
        var reference = await OpenAsync(new KeyForm { Expiry = ExpiryChoice.OnDate, ExpiryDate = new DateTime(2026, 3, 12) });
        await TypeNameAsync("season-sync");
        await ChoosePresetAsync("Read-only analytics");

        Assert.Contains("Stops working 2026-03-12 23:59 UTC.", _provider.Text());
        await _provider.ClickAsync("Create key");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        var spec = Assert.IsType<KeyForm>(result!.Data).ToNewKey(Now);
        Assert.Equal(new DateTime(2026, 3, 12, 23, 59, 59, DateTimeKind.Utc), spec.ExpiresAt);
    }

    [Fact]
    public async Task Submit_OnADateInThePast_ShowsExpiryMessageAndStaysOpen()
    {
        var reference = await OpenAsync(new KeyForm { Expiry = ExpiryChoice.OnDate, ExpiryDate = Now.Date.AddDays(-1) });
        await TypeNameAsync("season-sync");
        await ChoosePresetAsync("Read-only analytics");

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Contains("The expiry must be in the future.", _provider.Text()));
        AssertStillOpen(reference);
    }

    [Fact]
    public async Task Submit_CustomLimitLeftEmpty_ShowsLimitMessageAndStaysOpen()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("quickbooks-sync");
        await ChoosePresetAsync("Accounting sync");
        await _provider.TickAsync("Give this key its own rate limit", true);

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Contains("Choose between 1 and", _provider.Text()));
        AssertStillOpen(reference);
    }

    [Fact]
    public async Task Submit_ValidForm_ClosesWithTheChosenKey()
    {
        var reference = await OpenAsync(new KeyForm { OwnerId = "user_bob" });
        await TypeNameAsync("quickbooks-sync");
        await ChoosePresetAsync("Accounting sync");
        await _provider.TickAsync("Give this key its own rate limit", true);
        await _provider.EnterAsync("Requests per minute", "120");

        // The default expiry is 90 days, and the dialog says when that is.
        Assert.True(_provider.Radio("90 days").IsChecked());
        Assert.Contains("Stops working 2026-05-31 09:30 UTC.", _provider.Text());
        await _provider.ClickAsync("Create key");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(result!.Canceled);
        var spec = Assert.IsType<KeyForm>(result.Data).ToNewKey(Now);
        Assert.Equal("quickbooks-sync", spec.Name);
        Assert.Equal(["clients:read", "invoices:read"], spec.Scopes.Order());
        Assert.Equal(Now.AddDays(90), spec.ExpiresAt);
        Assert.Equal(120, spec.RateLimitPerMinute);
        Assert.Equal("user_bob", spec.OwnerId);
        Assert.DoesNotContain("Create API key", _provider.Markup);
    }

    [Fact]
    public async Task Submit_NeverExpires_WarnsAndClosesWithoutExpiry()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("internal-report");
        await ChoosePresetAsync("Read-only analytics");
        Assert.False(_provider.HasTestId("warning-no-expiry"));

        await _provider.ChooseAsync("Never");

        _provider.WaitForAssertion(() => Assert.Contains("forever-key", _provider.ByTestId("warning-no-expiry").TextContent));
        await _provider.ClickAsync("Create key");
        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        var spec = Assert.IsType<KeyForm>(result!.Data).ToNewKey(Now);
        Assert.Null(spec.ExpiresAt);
        Assert.Null(spec.RateLimitPerMinute);
    }

    [Fact]
    public async Task Cancel_AfterTyping_ReturnsCanceled()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("half-done");

        await _provider.ClickAsync("Cancel");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(result!.Canceled);
        Assert.DoesNotContain("Create API key", _provider.Markup);
    }

    [Fact]
    public async Task Open_EditMode_OffersToKeepTheCurrentExpiryAndSaveChanges()
    {
        var (key, _) = ApiKey.Create("co_test", "br_test",
            new NewApiKey("zapier-job-sync", ["jobs:read", "visits:read"], Now.AddDays(30), 50), Actor.Operator("tests"), Now.AddDays(-1));

        var reference = await OpenAsync(KeyForm.For(key), isEdit: true);

        var keep = _provider.Radio("Keep (2026-04-01 09:30 UTC)");
        Assert.True(keep.IsChecked());
        Assert.Equal("zapier-job-sync", _provider.Field("Name").GetAttribute("value"));
        Assert.True(_provider.CheckBox("jobs:read").IsChecked());
        Assert.False(_provider.CheckBox("clients:read").IsChecked());
        Assert.False(_provider.HasButton("Create key"));

        await _provider.ClickAsync("Save changes");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        var update = Assert.IsType<KeyForm>(result!.Data).ToUpdate(Now);
        Assert.Null(update.ExpiresAt); // kept as it is
        Assert.Equal(50, update.RateLimitPerMinute!.Value);
    }

    [Fact]
    public async Task Open_EditKeyThatNeverExpires_OffersToKeepNever()
    {
        var (key, _) = ApiKey.Create("co_test", "br_test", new NewApiKey("internal-admin-automation", ["*"]), Actor.Operator("tests"), Now);

        await OpenAsync(KeyForm.For(key), isEdit: true);

        Assert.True(_provider.Radio("Keep (never)").IsChecked());
        Assert.False(_provider.HasTestId("warning-no-expiry"));
    }
}
