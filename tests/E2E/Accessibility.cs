using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace FieldCamp.Tests.E2E;

/// <summary>A screen the audits run on: its size and colour scheme, as a person's browser would report them.</summary>
public sealed record Screen(string Name, int Width, int Height, ColorScheme Scheme)
{
    public static readonly Screen Desktop = new("1280 light", 1280, 800, ColorScheme.Light);
    public static readonly Screen DesktopDark = new("1280 dark", 1280, 800, ColorScheme.Dark);
    public static readonly Screen Phone = new("390 light", 390, 844, ColorScheme.Light);
    public static readonly Screen PhoneDark = new("390 dark", 390, 844, ColorScheme.Dark);

    public static Screen Named(string name) => new[] { Desktop, DesktopDark, Phone, PhoneDark }.Single(s => s.Name == name);

    public bool IsPhone => Width < 600;

    public BrowserNewContextOptions ContextOptions(AppServer app) => new()
    {
        BaseURL = app.BaseAddress.ToString(),
        ViewportSize = new ViewportSize { Width = Width, Height = Height },
        ColorScheme = Scheme,
    };

    public override string ToString() => Name;
}

/// <summary>
/// Collects, over a walk through the dashboard, every WCAG 2.1 A/AA violation axe-core finds and, on a phone, every
/// text that ends beyond the viewport's right edge; the walk then fails once with all of them, state by state.
/// States given a shot name are also saved as screenshots, <c>05-key-detail.png</c> for the desktop in light mode and
/// <c>05-key-detail-phone-dark.png</c> for the phone in dark mode, in the folder FIELDCAMP_SCREENSHOTS names
/// (scripts/screenshots.sh points it at docs/screenshots), else in a temporary folder.
/// </summary>
public sealed class AccessibilityAudit(Screen screen)
{
    private static readonly string ShotFolder = Environment.GetEnvironmentVariable("FIELDCAMP_SCREENSHOTS")
        ?? Directory.CreateTempSubdirectory("fieldcamp-shots-").FullName;

    private static readonly AxeRunOptions WcagRules = new()
    {
        RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    };

    private readonly List<string> _problems = [];

    public int StatesChecked { get; private set; }

    public async Task CheckAsync(IPage page, string state, string? shot = null)
    {
        StatesChecked++;
        // Colours measured mid-fade (a snackbar coming in or timing out while axe runs) are neither state: from here on
        // the page moves without motion, and what is already moving finishes first.
        await page.EvaluateAsync("""
            () => {
              if (!document.getElementById('audit-without-motion')) {
                const style = document.createElement('style');
                style.id = 'audit-without-motion';
                style.textContent = '*, *::before, *::after { transition: none !important; animation-duration: 0s !important; animation-delay: 0s !important; }';
                document.head.appendChild(style);
              }
              return Promise.all(document.getAnimations()
                .filter(a => Number.isFinite(a.effect?.getComputedTiming().endTime))
                .map(a => a.finished.catch(() => null)));
            }
            """);
        var result = await page.RunAxe(WcagRules);
        foreach (var violation in result.Violations)
        {
            var where = string.Join("; ", violation.Nodes.Take(4).Select(n => $"{string.Join(" ", n.Target)} ({Summary(n)})"));
            _problems.Add($"[{screen}] {state}: {violation.Id} ({violation.Impact}) ×{violation.Nodes.Length}: {where}");
        }
        if (screen.IsPhone)
        {
            var texts = (await TextsBeyondRightEdgeAsync(page)).Distinct().ToList();
            if (texts.Count > 0)
                _problems.Add($"[{screen}] {state}: {texts.Count} texts beyond the right edge: {string.Join("; ", texts.Take(8))}");
        }
        if (shot is not null) await ShotAsync(page, shot);
    }

    /// <summary>
    /// The viewport as a person sees it. A phone's page is captured whole, since it scrolls far, except under a dialog,
    /// which fills the phone's screen and scrolls within itself.
    /// </summary>
    private async Task ShotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ShotFolder);
        var suffix = (screen.IsPhone ? "-phone" : "") + (screen.Scheme == ColorScheme.Dark ? "-dark" : "");
        var dialogOpen = await page.GetByRole(AriaRole.Dialog).CountAsync() > 0;
        await page.ScreenshotAsync(new() { Path = Path.Combine(ShotFolder, name + suffix + ".png"), FullPage = screen.IsPhone && !dialogOpen });
    }

    public void AssertClean() =>
        Assert.True(_problems.Count == 0, $"{_problems.Count} problems in {StatesChecked} states:\n" + string.Join("\n", _problems));

    /// <summary>
    /// Every visible text whose box ends past the viewport's right edge, whether the page scrolls to it or a parent
    /// clips it: a clipped word is as unreadable as one off-screen.
    /// </summary>
    public static async Task<IReadOnlyList<string>> TextsBeyondRightEdgeAsync(IPage page) =>
        await page.EvaluateAsync<string[]>("""
            () => {
              const limit = document.documentElement.clientWidth + 1;
              const found = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const text = node.textContent.trim();
                if (!text || getComputedStyle(node.parentElement).visibility === 'hidden') continue;
                const range = document.createRange();
                range.selectNodeContents(node);
                const rect = [...range.getClientRects()].find(r => r.width > 0 && r.height > 0 && r.right > limit);
                if (rect) found.push(`"${text.slice(0, 40)}" ends at ${Math.round(rect.right)} px`);
              }
              if (document.documentElement.scrollWidth > limit) found.push(`page is ${document.documentElement.scrollWidth} px wide`);
              return found;
            }
            """);

    private static string Summary(AxeResultNode node) =>
        string.Join(" ", node.Any.Concat(node.All).Concat(node.None).Select(check => check.Message).Take(2));
}
