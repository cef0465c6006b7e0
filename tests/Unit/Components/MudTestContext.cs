using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// A bUnit context with MudBlazor's services and loose JS interop (the providers call JS that bUnit does not run).
/// MudBlazor's popover service can only be disposed asynchronously, hence <see cref="IAsyncLifetime"/>.
/// </summary>
public abstract class MudTestContext : IAsyncLifetime
{
    protected MudTestContext()
    {
        Context.Services.AddMudServices();
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected BunitContext Context { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Context.DisposeAsync();

    /// <summary>The providers the layout renders: popovers (selects, tooltips, pickers) and dialogs.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderDialogProvider()
    {
        Context.Render<MudPopoverProvider>();
        return Context.Render<MudDialogProvider>();
    }

    /// <summary>Opens a dialog the way the pages do, through <see cref="IDialogService"/>, on the renderer's thread.</summary>
    protected async Task<IDialogReference> ShowAsync<TDialog>(IRenderedComponent<MudDialogProvider> provider, string title,
        DialogParameters<TDialog> parameters, DialogOptions? options = null) where TDialog : IComponent
    {
        var dialogs = Context.Services.GetRequiredService<IDialogService>();
        IDialogReference? reference = null;
        await provider.InvokeAsync(async () => reference = await dialogs.ShowAsync<TDialog>(title, parameters, options ?? new DialogOptions()));
        return reference!;
    }

    /// <summary>Clicks outside the open dialog, on the overlay behind it.</summary>
    protected static Task ClickBackdropAsync(IRenderedComponent<MudDialogProvider> provider) =>
        provider.ActAsync(p => p.Find("[role=dialog]").ParentElement!.QuerySelector("[aria-hidden=true]")!, e => e.ClickAsync(new MouseEventArgs()));

    /// <summary>Delivers an Escape key-down to the open dialog, as MudBlazor's key interceptor script does in a browser.</summary>
    protected async Task PressEscapeAsync(IRenderedComponent<MudDialogProvider> provider)
    {
        var container = provider.Find("[role=dialog]").ParentElement!.Id!;
        var interceptor = Context.Services.GetRequiredService<IKeyInterceptorService>();
        await provider.InvokeAsync(() => interceptor.DispatchAsync(container, KeyEventKind.Down,
            new KeyboardEventArgs { Key = "Escape", Code = "Escape", Type = "keydown" }));
    }
}
