using MudBlazor;

namespace FieldCamp.Web.Components.Layout;

/// <summary>
/// The dashboard's palettes. Every colour that carries text is chosen for WCAG AA contrast (4.5:1) against the
/// surfaces it sits on, including MudBlazor's tinted alert and chip backgrounds, in both themes; the browser tests
/// check each page with axe-core in both.
/// </summary>
internal static class FieldCampTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f5f5b",
            // Secondary is the muted text colour of captions and hints; the warm accent is Tertiary.
            Secondary = "#56626a",
            Tertiary = "#a4552a",
            AppbarBackground = "#1f5f5b",
            Background = "#f6f7f9",
            DrawerBackground = "#ffffff",
            Success = "#1e6b40",
            Warning = "#8f4f00",
            Info = "#1a5fb4",
            Error = "#b3261e",
            TextSecondary = "#56626a",
            TextDisabled = "#6b767d",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#7fcfc6",
            PrimaryContrastText = "#0d2624",
            Secondary = "#a9b6bd",
            SecondaryContrastText = "#13191b",
            Tertiary = "#f0a877",
            TertiaryContrastText = "#2a1408",
            AppbarBackground = "#15302e",
            AppbarText = "#e8eef0",
            Background = "#101719",
            Surface = "#182124",
            DrawerBackground = "#141c1f",
            DrawerText = "#dfe6e9",
            DrawerIcon = "#b5c1c6",
            TextPrimary = "#e8eef0",
            TextSecondary = "#a9b6bd",
            TextDisabled = "#8f9ca3",
            ActionDefault = "#b5c1c6",
            LinesDefault = "#33414a",
            LinesInputs = "#6d7c84",
            TableLines = "#2b373d",
            Divider = "#2b373d",
            Success = "#86d7a4",
            SuccessContrastText = "#0b2616",
            Warning = "#ffc178",
            WarningContrastText = "#2b1700",
            Info = "#9cc7ff",
            InfoContrastText = "#0b1f3a",
            Error = "#ffaba3",
            ErrorContrastText = "#3b0906",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px" },
    };
}
