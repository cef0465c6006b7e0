using Bunit;
using FieldCamp.Web.Components.Dialogs;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

public sealed class RevokeKeyDialogTests : MudTestContext
{
    private static readonly DateTime Now = new(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);

    private readonly IRenderedComponent<MudDialogProvider> _provider;

    public RevokeKeyDialogTests() => _provider = RenderDialogProvider();

    private Task<IDialogReference> OpenAsync(DateTime? lastUsedAt, string? lastUsedIp = null) =>
        ShowAsync(_provider, "Revoke API key", new DialogParameters<RevokeKeyDialog>
        {
            { d => d.KeyName, "zapier-job-sync" },
            { d => d.LastUsedAt, lastUsedAt },
            { d => d.LastUsedIp, lastUsedIp },
            { d => d.Now, Now },
        });

    private Task TypeConfirmationAsync(string text) => _provider.TypeAsync("Type zapier-job-sync to confirm", text);

    [Fact]
    public async Task Open_NeverUsed_RevokeEnabledAtOnce()
    {
        var reference = await OpenAsync(lastUsedAt: null);

        Assert.False(_provider.HasTestId("revoke-recent-use"));
        Assert.Contains("Revoking zapier-job-sync is permanent.", _provider.Text());
        await _provider.ClickAsync("Revoke key");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(result!.Canceled);
        Assert.Equal(true, result.Data);
    }

    [Fact]
    public async Task Open_UsedThreeDaysAgo_RevokeEnabledAtOnce()
    {
        await OpenAsync(Now.AddDays(-3), "203.0.113.7");

        Assert.False(_provider.HasTestId("revoke-recent-use"));
        Assert.False(_provider.Button("Revoke key").IsDisabled());
    }

    [Fact]
    public async Task Open_UsedTwoHoursAgo_WarnsWithTimeAndIpAndLocksRevoke()
    {
        var reference = await OpenAsync(Now.AddHours(-2), "203.0.113.7");

        var warning = _provider.ByTestId("revoke-recent-use").TextContent;
        Assert.Contains("2 hours ago", warning);
        Assert.Contains("2026-03-02 07:30 UTC", warning);
        Assert.Contains("203.0.113.7", warning);
        Assert.True(_provider.Button("Revoke key").IsDisabled());
        Assert.False(reference.Result.IsCompleted);
    }

    [Fact]
    public async Task TypeName_Exact_EnablesRevoke()
    {
        var reference = await OpenAsync(Now.AddHours(-2), "203.0.113.7");

        await TypeConfirmationAsync("zapier-job-sync");

        _provider.WaitForAssertion(() => Assert.False(_provider.Button("Revoke key").IsDisabled()));
        await _provider.ClickAsync("Revoke key");
        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(result!.Canceled);
    }

    [Theory]
    [InlineData("zapier")]
    [InlineData("Zapier-Job-Sync")]
    [InlineData("zapier-job-sync-2")]
    public async Task TypeName_Wrong_KeepsRevokeDisabled(string typed)
    {
        await OpenAsync(Now.AddHours(-2), "203.0.113.7");

        await TypeConfirmationAsync(typed);

        Assert.Equal(typed, _provider.Field("Type zapier-job-sync to confirm").GetAttribute("value"));
        Assert.True(_provider.Button("Revoke key").IsDisabled());
    }

    [Fact]
    public async Task TypeName_ThenCleared_DisablesRevokeAgain()
    {
        await OpenAsync(Now.AddHours(-2));
        await TypeConfirmationAsync("zapier-job-sync");

        await TypeConfirmationAsync("");

        _provider.WaitForAssertion(() => Assert.True(_provider.Button("Revoke key").IsDisabled()));
    }

    [Fact]
    public async Task Cancel_RecentlyUsed_ReturnsCanceled()
    {
        var reference = await OpenAsync(Now.AddMinutes(-5), "203.0.113.7");

        await _provider.ClickAsync("Cancel");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(result!.Canceled);
    }

    [Theory]
    [InlineData(2, "Type zapier-job-sync to confirm")]
    [InlineData(72, "Cancel")]
    public async Task Open_FocusesTheFirstControlNotTheDialogFrame(int lastUsedHoursAgo, string firstControl)
    {
        await OpenAsync(Now.AddHours(-lastUsedHoursAgo));

        // MudBlazor's focus trap moves the focus to its first focusable child instead of its frame.
        Context.JSInterop.VerifyInvoke("mudElementRef.focusFirst");
        Context.JSInterop.VerifyNotInvoke("Blazor._internal.domWrapper.focus");
        var first = _provider.Find("[role=dialog] .mud-focus-trap-child-container").QuerySelector("input:not([disabled]), button:not([disabled])")!;
        var name = first.Id is { Length: > 0 } id ? _provider.Find($"label[for='{id}']").TextContent.Trim() : first.TextContent.Trim();
        Assert.Equal(firstControl, name);
    }
}
