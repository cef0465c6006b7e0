using Bunit;
using FieldCamp.Web.Components.Shared;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

public sealed class ScopePickerTests : MudTestContext
{
    private readonly HashSet<string> _scopes = [];
    private int _changes;

    private IRenderedComponent<ScopePicker> RenderPicker(params string[] initial)
    {
        _scopes.UnionWith(initial);
        Context.Render<MudPopoverProvider>();
        return Context.Render<ScopePicker>(p => p
            .Add(x => x.Value, _scopes)
            .Add(x => x.ValueChanged, () => _changes++));
    }

    // DESIGN §5.
    [Theory]
    [InlineData("Read-only analytics", new[] { "clients:read", "jobs:read", "visits:read" })]
    [InlineData("Booking widget intake", new[] { "clients:write", "jobs:write" })]
    [InlineData("Accounting sync", new[] { "clients:read", "invoices:read" })]
    [InlineData("Full admin automation", new[] { "*" })]
    public async Task Preset_Clicked_SetsExactlyThePresetScopes(string preset, string[] expected)
    {
        // Start from something else entirely, so leftovers would show.
        var cut = RenderPicker("items:write", "api-keys:manage");

        await cut.ClickAsync(preset);

        Assert.Equal(expected.Order(), _scopes.Order());
        Assert.Equal(1, _changes);
    }

    [Fact]
    public async Task Preset_BookingWidget_ShowsReadBoxesCheckedAndLocked()
    {
        var cut = RenderPicker();

        await cut.ClickAsync("Booking widget intake");

        Assert.True(cut.CheckBox("clients:write").IsChecked());
        Assert.True(cut.CheckBox("clients:read").IsChecked());
        Assert.True(cut.CheckBox("clients:read").IsDisabled());
        Assert.False(cut.CheckBox("visits:read").IsChecked());
    }

    [Fact]
    public async Task TickWrite_ReadNotTicked_ShowsReadCheckedAndDisabled()
    {
        var cut = RenderPicker();

        await cut.TickAsync("jobs:write", true);

        Assert.Equal(["jobs:write"], _scopes);
        var read = cut.CheckBox("jobs:read");
        Assert.True(read.IsChecked());
        Assert.True(read.IsDisabled());
        Assert.False(cut.CheckBox("jobs:write").IsDisabled());
    }

    [Fact]
    public async Task UntickWrite_AfterTickingIt_KeepsRead()
    {
        var cut = RenderPicker();
        await cut.TickAsync("invoices:write", true);

        await cut.TickAsync("invoices:write", false);

        Assert.Equal(["invoices:read"], _scopes);
        Assert.True(cut.CheckBox("invoices:read").IsChecked());
        Assert.False(cut.CheckBox("invoices:read").IsDisabled());
        Assert.False(cut.CheckBox("invoices:write").IsChecked());
    }

    [Fact]
    public async Task TickRead_ThenUntick_RemovesIt()
    {
        var cut = RenderPicker();

        await cut.TickAsync("visits:read", true);
        Assert.Equal(["visits:read"], _scopes);
        await cut.TickAsync("visits:read", false);

        Assert.Empty(_scopes);
    }

    [Fact]
    public async Task FullAccessSwitch_On_WarnsAndDisablesEveryBox()
    {
        var cut = RenderPicker("clients:read");
        Assert.False(cut.HasTestId("warning-full-access"));

        await cut.TickAsync("Full access (*) — every scope, now and later", true);

        Assert.Equal(["*"], _scopes);
        Assert.Contains("Full access lets this key do anything", cut.ByTestId("warning-full-access").TextContent);
        var boxes = cut.FindAll("input[type=checkbox][aria-label]");
        Assert.Equal(12, boxes.Count); // five read/write pairs, integrations and api-keys
        Assert.All(boxes, box => Assert.True(box.IsDisabled(), box.GetAttribute("aria-label")));
        Assert.All(boxes, box => Assert.True(box.IsChecked(), box.GetAttribute("aria-label")));
    }

    [Fact]
    public async Task FullAccessSwitch_Off_ClearsAndEnablesBoxes()
    {
        var cut = RenderPicker("*");

        await cut.TickAsync("Full access (*) — every scope, now and later", false);

        Assert.Empty(_scopes);
        Assert.False(cut.HasTestId("warning-full-access"));
        Assert.False(cut.CheckBox("clients:write").IsDisabled());
    }

    [Fact]
    public async Task TickManageKeys_ShowsManageKeysWarning()
    {
        var cut = RenderPicker("clients:read");
        Assert.False(cut.HasTestId("warning-manage-keys"));

        await cut.TickAsync("api-keys:manage", true);

        Assert.Contains("api-keys:manage", _scopes);
        Assert.Contains("create and revoke other keys", cut.ByTestId("warning-manage-keys").TextContent);
        Assert.False(cut.HasTestId("warning-full-access"));

        await cut.TickAsync("api-keys:manage", false);
        Assert.False(cut.HasTestId("warning-manage-keys"));
    }

    [Fact]
    public async Task TickIntegrations_AddsOnlyIntegrationsWrite()
    {
        var cut = RenderPicker();

        await cut.TickAsync("integrations:write", true);
        Assert.Equal(["integrations:write"], _scopes);
        await cut.TickAsync("integrations:write", false);

        Assert.Empty(_scopes);
    }
}
