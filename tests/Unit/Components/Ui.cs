using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// Finds controls the way a person does: by their visible text or accessible name, never by styling classes,
/// which the dashboard's polish changes freely.
/// </summary>
internal static class Ui
{
    /// <summary>
    /// Finds and acts in one step on the renderer's thread. MudBlazor re-renders asynchronously (popovers, JS calls
    /// that complete later), and an element found before such a render carries event handler ids that are gone.
    /// </summary>
    public static Task ActAsync<T>(this IRenderedComponent<T> cut, Func<IRenderedComponent<T>, IElement> find, Func<IElement, Task> act)
        where T : IComponent =>
        cut.InvokeAsync(() => act(find(cut)));

    public static Task ClickAsync<T>(this IRenderedComponent<T> cut, string buttonText) where T : IComponent =>
        cut.ActAsync(c => c.Button(buttonText), e => e.ClickAsync(new MouseEventArgs()));

    public static Task TickAsync<T>(this IRenderedComponent<T> cut, string name, bool on) where T : IComponent =>
        cut.ActAsync(c => c.CheckBox(name), e => e.ChangeAsync(new ChangeEventArgs { Value = on }));

    public static Task ChooseAsync<T>(this IRenderedComponent<T> cut, string radioText) where T : IComponent =>
        cut.ActAsync(c => c.Radio(radioText), e => e.ClickAsync(new MouseEventArgs()));

    /// <summary>Types into a field that reacts on every keystroke.</summary>
    public static Task TypeAsync<T>(this IRenderedComponent<T> cut, string label, string text) where T : IComponent =>
        cut.ActAsync(c => c.Field(label), e => e.InputAsync(new ChangeEventArgs { Value = text }));

    /// <summary>Types into a field and leaves it (the change event).</summary>
    public static Task EnterAsync<T>(this IRenderedComponent<T> cut, string label, string text) where T : IComponent =>
        cut.ActAsync(c => c.Field(label), e => e.ChangeAsync(new ChangeEventArgs { Value = text }));

    public static IElement Button<T>(this IRenderedComponent<T> cut, string text) where T : IComponent =>
        cut.FindAll("button").Single(b => b.TextContent.Trim() == text);

    public static bool HasButton<T>(this IRenderedComponent<T> cut, string text) where T : IComponent =>
        cut.FindAll("button").Any(b => b.TextContent.Trim() == text);

    /// <summary>A checkbox or switch by its accessible name (aria-label) or by the text of the label around it.</summary>
    public static IElement CheckBox<T>(this IRenderedComponent<T> cut, string name) where T : IComponent =>
        cut.FindAll("input[type=checkbox]").SingleOrDefault(i => i.GetAttribute("aria-label") == name)
        ?? LabelledInput(cut, name, "checkbox");

    public static IElement Radio<T>(this IRenderedComponent<T> cut, string text) where T : IComponent =>
        LabelledInput(cut, text, "radio");

    /// <summary>A text or number field by its floating label.</summary>
    public static IElement Field<T>(this IRenderedComponent<T> cut, string label) where T : IComponent
    {
        var id = cut.FindAll("label[for]").Single(l => l.TextContent.Trim() == label).GetAttribute("for");
        return cut.Find($"[id='{id}']");
    }

    public static IElement ByTestId<T>(this IRenderedComponent<T> cut, string testId) where T : IComponent =>
        cut.Find($"[data-testid='{testId}']");

    public static bool HasTestId<T>(this IRenderedComponent<T> cut, string testId) where T : IComponent =>
        cut.FindAll($"[data-testid='{testId}']").Count > 0;

    public static bool IsDisabled(this IElement element) => element.HasAttribute("disabled");

    public static bool IsChecked(this IElement element) => element.HasAttribute("checked");

    public static string Text<T>(this IRenderedComponent<T> cut) where T : IComponent =>
        System.Text.RegularExpressions.Regex.Replace(cut.Nodes.Select(n => n.TextContent).Aggregate("", string.Concat), @"\s+", " ");

    private static IElement LabelledInput<T>(IRenderedComponent<T> cut, string text, string type) where T : IComponent =>
        cut.FindAll("label").Where(l => l.TextContent.Trim() == text)
            .Select(l => l.QuerySelector($"input[type={type}]")).Single(i => i is not null)!;
}
