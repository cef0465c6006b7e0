using AngleSharp.Dom;
using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Components.Dialogs;
using FieldCamp.Web.Dashboard;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
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

    private const string NameMessage = "Give the key a name of 1 to 100 characters, after the integration that uses it.";
    private const string ScopesMessage = "Choose at least one scope.";

    // The names the branch's other keys have, as the page's lookup answers; each name looked up is recorded.
    private static readonly string[] NamesInUse = ["quickbooks-sync", "zapier-job-sync"];
    private readonly List<string> _namesLookedUp = [];

    private Task<IDialogReference> OpenAsync(KeyForm? form = null, bool isEdit = false) =>
        ShowAsync(_provider, isEdit ? "Edit API key" : "Create API key", new DialogParameters<KeyFormDialog>
        {
            { d => d.Form, form ?? new KeyForm() },
            { d => d.IsEdit, isEdit },
            { d => d.CompanyName, "Acme Field Services" },
            { d => d.SharedLimit, 600 },
            { d => d.NameInUse, name => { _namesLookedUp.Add(name); return Task.FromResult(NamesInUse.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))); } },
        });

    /// <summary>
    /// Waits until the dialog has looked the name up (after its typing pause), then for the render that follows: the
    /// lookup answers at once, and the renderer runs queued work in order.
    /// </summary>
    private async Task WaitForNameLookupAsync(string name)
    {
        _provider.WaitForAssertion(() => Assert.Contains(name, _namesLookedUp), TimeSpan.FromSeconds(5));
        await _provider.InvokeAsync(() => { });
    }

    /// <summary>What the dialog asks the browser to focus after a refused submit: the first invalid field of its form.</summary>
    private IElement FocusedFirstError()
    {
        var call = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "fieldcamp.focusFirstError");
        Assert.IsType<ElementReference>(call.Arguments[0]); // the form
        // The script's own rule: the first element, in page order, marked invalid.
        return _provider.Find("[role=dialog]").QuerySelector("[aria-invalid=true], [data-invalid=true]")
            ?? throw new Xunit.Sdk.XunitException("No field in the form is marked invalid.");
    }

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

    // Leaving the field makes it validate itself; that must not wipe the form's message before or after the submit.
    [Fact]
    public async Task Submit_LimitTooHighThenFieldLeft_ShowsLimitMessageAndStaysOpen()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("quickbooks-sync");
        await ChoosePresetAsync("Accounting sync");
        await _provider.TickAsync("Give this key its own rate limit", true);
        await _provider.ActAsync(c => c.Field("Requests per minute"), e => e.ChangeAsync(new ChangeEventArgs { Value = "5000000" }));
        await _provider.ActAsync(c => c.Field("Requests per minute"), e => e.BlurAsync(new FocusEventArgs()));
        _provider.WaitForAssertion(() => Assert.Contains("Choose between 1 and 1,000,000 requests per minute.", _provider.Text()));

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Contains("Choose between 1 and 1,000,000 requests per minute.", _provider.Text()));
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

    [Fact]
    public async Task TypeName_ThenClear_ShowsNameMessageWithoutSubmit()
    {
        await OpenAsync();
        Assert.DoesNotContain(NameMessage, _provider.Text()); // nothing is judged before it is touched

        await TypeNameAsync("quickbooks");
        await TypeNameAsync("");

        _provider.WaitForAssertion(() => Assert.Contains(NameMessage, _provider.Text()));
        Assert.Equal("true", _provider.Field("Name").GetAttribute("aria-invalid"));
        Assert.DoesNotContain(ScopesMessage, _provider.Text()); // the scopes are not judged until touched or submitted
    }

    [Fact]
    public async Task Submit_EmptyName_ThenTypeName_ClearsNameMessageAtOnce()
    {
        await OpenAsync();
        await _provider.ClickAsync("Create key");
        _provider.WaitForAssertion(() => Assert.Contains(NameMessage, _provider.Text()));

        await TypeNameAsync("q");

        _provider.WaitForAssertion(() => Assert.DoesNotContain(NameMessage, _provider.Text()));
        Assert.Equal("false", _provider.Field("Name").GetAttribute("aria-invalid"));
        Assert.Contains(ScopesMessage, _provider.Text()); // still missing, still said
    }

    [Fact]
    public async Task Submit_NoScope_ThenFullAccess_ClearsScopesMessageAtOnce()
    {
        var reference = await OpenAsync();
        await TypeNameAsync("internal-admin");
        await _provider.ClickAsync("Create key");
        _provider.WaitForAssertion(() => Assert.True(_provider.HasTestId("scopes-error")));

        await _provider.TickAsync("Full access (*) — every scope, now and later", true);

        _provider.WaitForAssertion(() => Assert.False(_provider.HasTestId("scopes-error")));
        Assert.Empty(_provider.FindAll("[data-invalid=true]"));
        Assert.False(reference.Result.IsCompleted); // fixing a field does not submit
    }

    [Fact]
    public async Task ScopeGroup_Error_IsNamedAndDescribedByIt()
    {
        await OpenAsync();
        var group = _provider.Find("[role=group][aria-labelledby]");
        Assert.Equal("Scopes", _provider.Find($"#{group.GetAttribute("aria-labelledby")}").TextContent.Trim());
        Assert.StartsWith("Pick the smallest set", _provider.Find($"#{group.GetAttribute("aria-describedby")}").TextContent.Trim());

        await TypeNameAsync("quickbooks-sync");
        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() =>
        {
            var invalid = _provider.Find("[role=group][aria-labelledby]");
            Assert.Equal(ScopesMessage, _provider.Find($"#{invalid.GetAttribute("aria-describedby")}").TextContent.Trim());
            Assert.Equal("true", invalid.GetAttribute("data-invalid"));
        });
    }

    [Fact]
    public async Task Submit_NoNameAndNoScope_FocusesTheNameField()
    {
        await OpenAsync();

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Equal(_provider.Field("Name").Id, FocusedFirstError().Id));
    }

    [Fact]
    public async Task Submit_NameButNoScope_FocusesTheScopeGroup()
    {
        await OpenAsync();
        await TypeNameAsync("quickbooks-sync");

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() =>
        {
            var focused = FocusedFirstError();
            Assert.Equal("group", focused.GetAttribute("role"));
            Assert.NotNull(focused.QuerySelector("input[aria-label='clients:read']")); // the script focuses its first box
        });
    }

    [Fact]
    public async Task Submit_OnlyTheDateMissing_FocusesTheDateField()
    {
        await OpenAsync();
        await TypeNameAsync("season-sync");
        await ChoosePresetAsync("Read-only analytics");
        await _provider.ChooseAsync("On a date");

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Equal(_provider.Field("Last day the key works (UTC)").Id, FocusedFirstError().Id));
    }

    [Fact]
    public async Task DateField_ShowsEitherItsHintOrItsError_AsItsDescription()
    {
        await OpenAsync(new KeyForm { Expiry = ExpiryChoice.OnDate, ExpiryDate = Now.Date.AddDays(-1) });
        var date = () => _provider.Field("Last day the key works (UTC)");
        string Description() => string.Join(" ", date().GetAttribute("aria-describedby")!.Split(' ').Select(id => _provider.Find($"[id='{id}']").TextContent.Trim()));
        Assert.Equal("Stops working 2026-03-01 23:59 UTC.", Description());

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.Equal("The expiry must be in the future.", Description()));
        Assert.DoesNotContain("Stops working", _provider.Text());
    }

    [Fact]
    public async Task DatePicker_Opened_ShowsTheWholeMonthWithNamedButtons()
    {
        await OpenAsync(new KeyForm { Expiry = ExpiryChoice.OnDate });

        await _provider.ActAsync(p => p.Field("Last day the key works (UTC)"), e => e.ClickAsync(new MouseEventArgs()));

        _provider.WaitForAssertion(() =>
        {
            // Its own dialog, centred on the screen, rather than a popover that the key dialog cuts off.
            var calendar = _provider.Find("[role=dialog][aria-label='Last day the key works (UTC)']");
            Assert.NotNull(calendar.QuerySelector("[aria-label^='Next month']"));
            Assert.Equal(7, calendar.QuerySelectorAll(".mud-day-label").Length);
            var unnamed = calendar.QuerySelectorAll("button").Where(b => b.TextContent.Trim() == "" && string.IsNullOrEmpty(b.GetAttribute("aria-label")));
            Assert.Empty(unnamed);
        });
    }

    [Fact]
    public async Task TypeName_OfAnotherKey_WarnsAndStillCreates()
    {
        var reference = await OpenAsync();

        await TypeNameAsync("QuickBooks-Sync");

        _provider.WaitForAssertion(() => Assert.Equal("Another key in this branch is already named quickbooks-sync.",
            _provider.ByTestId("name-warning").TextContent.Trim()), TimeSpan.FromSeconds(5));
        Assert.Equal("status", _provider.ByTestId("name-warning").ParentElement!.GetAttribute("role")); // read out as it appears
        await ChoosePresetAsync("Accounting sync");
        await _provider.ClickAsync("Create key");
        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("QuickBooks-Sync", Assert.IsType<KeyForm>(result!.Data).Name);
    }

    [Fact]
    public async Task TypeName_ThenAFreeName_DropsTheWarning()
    {
        await OpenAsync();
        await TypeNameAsync("zapier-job-sync");
        _provider.WaitForAssertion(() => Assert.True(_provider.HasTestId("name-warning")), TimeSpan.FromSeconds(5));

        await TypeNameAsync("zapier-job-sync-v2");
        await WaitForNameLookupAsync("zapier-job-sync-v2");

        Assert.False(_provider.HasTestId("name-warning"));
    }

    [Fact]
    public async Task TypeName_Quickly_LooksUpOnlyTheNameTypedLast()
    {
        await OpenAsync();

        // Keystrokes come faster than the pause: each one's handler is still waiting when the next arrives.
        var keystrokes = new List<Task>();
        foreach (var typed in new[] { "q", "qu", "quickbooks", "quickbooks-sync" }) keystrokes.Add(TypeNameAsync(typed));
        await Task.WhenAll(keystrokes);
        await WaitForNameLookupAsync("quickbooks-sync");

        Assert.Equal(["quickbooks-sync"], _namesLookedUp);
        Assert.True(_provider.HasTestId("name-warning"));
    }

    [Fact]
    public async Task Submit_WithErrors_ChecksTheNameAtOnce()
    {
        await OpenAsync(new KeyForm { Name = "quickbooks-sync" });

        await _provider.ClickAsync("Create key");

        _provider.WaitForAssertion(() => Assert.True(_provider.HasTestId("name-warning")));
        Assert.Contains(ScopesMessage, _provider.Text());
    }

    [Fact]
    public async Task Open_FocusesTheFirstFieldNotTheDialogFrame()
    {
        await OpenAsync();

        // MudBlazor's focus trap moves the focus to its first focusable child, the Name field, instead of its frame.
        Context.JSInterop.VerifyInvoke("mudElementRef.focusFirst");
        Context.JSInterop.VerifyNotInvoke("Blazor._internal.domWrapper.focus");
    }
}
