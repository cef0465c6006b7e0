// Benchmark of the API Keys list page (/settings/developer/api-keys) with 10 keys in one branch beside 10,000 in
// another, in one run: (a) navigation start -> first data row visible, (b) search typed -> only the matches shown.
// Usage: ListPage [--runs 7] [--warmup 2] [--large 10000] [--small 10] [--term quokka] [--sql]
using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace FieldCamp.Bench.ListPage;

// Not top-level statements: their generated Program class would clash with the app's public Program.
internal static class ListPageBenchmark
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

        var options = Options.Parse(args);
        const string ChromiumPath = "/usr/bin/chromium";
        const string ListPath = "settings/developer/api-keys";
        const string RowSelector = "[data-testid=keys-grid] tr.key-row";
        const int PageSize = 10; // MudDataGrid's default rows per page; the page sets no other

        if (!File.Exists(ChromiumPath))
        {
            Console.Error.WriteLine($"Chromium is not installed at {ChromiumPath} (apt-get install chromium).");
            return 1;
        }

        using var sql = options.Sql ? new SqlRecorder() : null;

        Console.WriteLine("Starting the app (WebApplicationFactory<Program>, Kestrel on loopback, Development, own SQLite file)...");
        using var app = new BenchApp();
        if (sql is not null) sql.Phase = "seed";
        var seed = await Seeder.SeedAsync(app.Services, options.Large, options.Small, largeMatches: 3, smallMatches: 1, options.Term);
        var (small, large) = (seed.Small, seed.Large);
        Console.WriteLine($"Seeded through ApiKey.Create in {seed.Took.TotalSeconds:F1} s: acme/{large.BranchName} lists {large.ListedKeys:N0} keys, " +
            $"acme/{small.BranchName} lists {small.ListedKeys:N0}; '{options.Term}' matches {large.Matches} and {small.Matches}.");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        // In-page marks for the breakdown of (a): when the interactive marker and the first data row enter the DOM,
        // in ms since the document's navigation start (performance.timeOrigin).
        await context.AddInitScriptAsync("""
            (() => {
              const marks = window.__benchMarks = {};
              const observer = new MutationObserver(() => {
                if (marks.interactive === undefined && document.querySelector('[data-interactive=true]')) marks.interactive = performance.now();
                if (marks.row === undefined && document.querySelector('[data-testid=keys-grid] tr.key-row')) marks.row = performance.now();
                if (marks.interactive !== undefined && marks.row !== undefined) observer.disconnect();
              });
              observer.observe(document, { childList: true, subtree: true });
            })();
            """);
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();

        // Sign in the way a person does.
        await page.GotoAsync("account/login");
        await page.GetByLabel("Email").FillAsync("admin@acme.test");
        await page.GetByLabel("Password").FillAsync("FieldCamp!demo1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/" + ListPath);
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        Console.WriteLine($"Signed in as admin@acme.test. {options.Warmup} warm-up + {options.Runs} measured runs per scenario and branch.");
        var loadBefore = LoadAverage();

        var phases = new Dictionary<string, int>(); // phase -> page actions in it (navigations or searches), for --sql
        var nav = new Dictionary<string, List<NavSample>> { ["small"] = [], ["large"] = [] };
        var search = new Dictionary<string, List<double>> { ["small"] = [], ["large"] = [] };
        var clear = new Dictionary<string, List<double>> { ["small"] = [], ["large"] = [] };

        // (a) Navigation: a fresh document each time (new prerender, new circuit). The branches alternate, in turns,
        // so drift in the machine's state weighs on both alike.
        SetPhase("(a) warm-up", 0);
        for (var i = 0; i < options.Warmup; i++)
            foreach (var branch in new[] { small, large })
                await NavigateAsync(branch);
        for (var i = 0; i < options.Runs; i++)
            foreach (var branch in i % 2 == 0 ? new[] { small, large } : [large, small])
            {
                SetPhase($"(a) navigate, {branch.Label}", 1);
                nav[branch.Label].Add(await NavigateAsync(branch));
            }

        // (b) Search, on one loaded, interactive page per branch: type the term, wait for exactly the matches; clear, wait
        // for the full first page again (timed too, reported apart).
        foreach (var branch in new[] { small, large })
        {
            SetPhase($"(b) warm-up, {branch.Label}", 0);
            await NavigateAsync(branch);
            await page.Locator("[data-interactive=true]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
            await WaitForFullPageAsync(branch);
            for (var i = 0; i < options.Warmup; i++) await SearchAndClearAsync(branch);
            SetPhase($"(b) search + clear, {branch.Label}", 2 * options.Runs);
            for (var i = 0; i < options.Runs; i++)
            {
                var (typed, cleared) = await SearchAndClearAsync(branch);
                search[branch.Label].Add(typed);
                clear[branch.Label].Add(cleared);
            }
        }

        var loadAfter = LoadAverage();
        Report();
        sql?.Print(phases.Where(p => !p.Key.Contains("warm-up")).ToDictionary(), top: 8,
            Path.Combine(Path.GetTempPath(), $"fieldcamp-bench-list-sql-{Environment.ProcessId}.txt"));
        return 0;

        void SetPhase(string phase, int actions)
        {
            if (sql is not null) sql.Phase = phase;
            phases[phase] = phases.GetValueOrDefault(phase) + actions;
        }

        async Task<NavSample> NavigateAsync(BranchUnderTest branch)
        {
            var phase = sql?.Phase;
            if (sql is not null) sql.Phase = "harness"; // the benchmark's own write, not the page's
            await Seeder.SetLastBranchAsync(app.Services, seed.AdminId, branch.BranchId);
            if (sql is not null) sql.Phase = phase!;
            var watch = Stopwatch.StartNew();
            await page.GotoAsync(ListPath, new() { WaitUntil = WaitUntilState.Commit });
            // Checked every animation frame (Playwright's locator waits back off to 100-500 ms between checks,
            // too coarse to time with). Visible as Playwright means it: rendered, with a non-empty box.
            var visible = await page.WaitForFunctionAsync("""
                (selector) => {
                  const row = document.querySelector(selector);
                  return row && row.checkVisibility({ visibilityProperty: true }) && row.getClientRects().length > 0 ? performance.now() : false;
                }
                """, RowSelector);
            var elapsed = watch.Elapsed.TotalMilliseconds;
            var visibleAt = await visible.JsonValueAsync<double>();

            var marks = await page.EvaluateAsync<double[]>("""
                () => {
                  const n = performance.getEntriesByType('navigation')[0];
                  const m = window.__benchMarks || {};
                  return [n.responseStart, n.responseEnd, n.domContentLoadedEventEnd, m.interactive ?? -1, m.row ?? -1];
                }
                """);
            // The right branch, and its whole list behind the first page.
            var switcher = await page.GetByTestId("workspace-switcher").InnerTextAsync();
            if (!switcher.Contains(branch.BranchName, StringComparison.Ordinal))
                throw new InvalidOperationException($"Expected branch {branch.BranchName}, the app bar says '{switcher}'.");
            var rows = await page.Locator(RowSelector).CountAsync();
            if (rows != Math.Min(PageSize, branch.ListedKeys))
                await WaitForFullPageAsync(branch);
            return new NavSample(elapsed, marks[0], marks[1], marks[2], marks[3], marks[4], visibleAt);
        }

        Task WaitForFullPageAsync(BranchUnderTest branch) => page.WaitForFunctionAsync("""
            ([selector, term, n]) => {
              const rows = [...document.querySelectorAll(selector)];
              return rows.length === n && rows.some(r => !(r.querySelector('.key-name')?.textContent ?? '').toLowerCase().includes(term));
            }
            """, new object[] { RowSelector, options.Term.ToLowerInvariant(), Math.Min(PageSize, branch.ListedKeys) });

        async Task<(double Typed, double Cleared)> SearchAndClearAsync(BranchUnderTest branch)
        {
            var box = page.GetByPlaceholder("Search by name");
            var watch = Stopwatch.StartNew();
            await box.FillAsync(options.Term);
            await page.WaitForFunctionAsync("""
                ([selector, term, n]) => {
                  const rows = [...document.querySelectorAll(selector)];
                  return rows.length === n && rows.every(r => (r.querySelector('.key-name')?.textContent ?? '').toLowerCase().includes(term));
                }
                """, new object[] { RowSelector, options.Term.ToLowerInvariant(), branch.Matches });
            var typed = watch.Elapsed.TotalMilliseconds;

            watch.Restart();
            await box.FillAsync("");
            await WaitForFullPageAsync(branch);
            return (typed, watch.Elapsed.TotalMilliseconds);
        }

        void Report()
        {
            var smallHead = $"{small.ListedKeys:N0} keys ({small.BranchName})";
            var largeHead = $"{large.ListedKeys:N0} keys ({large.BranchName})";
            Console.WriteLine();
            Console.WriteLine($"API Keys list page — {options.Runs} measured runs per cell after {options.Warmup} warm-up(s); ms; p95 = nearest rank" +
                (options.Runs < 20 ? $" (with {options.Runs} runs: the slowest)" : ""));
            Console.WriteLine($"{"",-48} {smallHead,-19} {largeHead,-21} {"ratio large ÷ small",-19}");
            Console.WriteLine($"{"scenario",-48} {"median",9} {"p95",9} {"median",10} {"p95",10} {"median",9} {"p95",9}");
            Console.WriteLine(new string('-', 48 + 1 + 19 + 1 + 21 + 1 + 19));
            Row("(a) navigate -> first data row visible ¹", [.. nav["small"].Select(s => s.Total)], [.. nav["large"].Select(s => s.Total)]);
            Row("    same, in-page clock from navigation start ⁴", [.. nav["small"].Select(s => s.RowVisible)], [.. nav["large"].Select(s => s.RowVisible)]);
            Row("(b) type search term -> only matches shown ²", search["small"], search["large"]);
            Row("    same, less the 300 ms input debounce ³", [.. search["small"].Select(t => t - 300)], [.. search["large"].Select(t => t - 300)]);
            Row("(extra) clear search -> full first page again", clear["small"], clear["large"]);
            Console.WriteLine();
            Console.WriteLine("¹ Stopwatch from Playwright's page.goto (new document: prerendered HTML, blazor.web.js, circuit start,");
            Console.WriteLine("  workspace load, banners, grid query) until a data row of the grid is visible, checked every animation");
            Console.WriteLine("  frame. Includes the prerender and the circuit start: it does NOT wait for [data-interactive=true] first.");
            Console.WriteLine($"² On an interactive page: Fill(\"{options.Term}\") into \"Search by name\" until the grid holds exactly the");
            Console.WriteLine($"  matching rows ({small.Matches} of {small.ListedKeys:N0} / {large.Matches} of {large.ListedKeys:N0}), checked every animation frame.");
            Console.WriteLine("³ The field waits 300 ms (DebounceInterval) after the last keystroke before it searches: a fixed floor.");
            Console.WriteLine("⁴ performance.now() at the first animation frame with the row visible, i.e. ms since the new document's");
            Console.WriteLine("  navigation start: without Playwright's round trips and the unloading of the previous page.");
            Console.WriteLine();
            Console.WriteLine("(a) broken down in the page (median ms since navigation start, Navigation Timing + DOM mutation marks):");
            Console.WriteLine($"    {"",-40} {"small",8} {"large",8}");
            Part("prerendered HTML: first byte", s => s.ResponseStart);
            Part("prerendered HTML: last byte", s => s.ResponseEnd);
            Part("DOMContentLoaded done", s => s.DomContentLoaded);
            Part("interactive marker in DOM (circuit up)", s => s.Interactive);
            Part("first data row in DOM", s => s.Row);
            Part("first data row visible (frame check)", s => s.RowVisible);
            Part("-> row in DOM after marker", s => s.Row - s.Interactive);
            Console.WriteLine();
            Console.WriteLine("Raw runs (ms, in the order measured):");
            Raw("(a) small", [.. nav["small"].Select(s => s.Total)]);
            Raw("(a) large", [.. nav["large"].Select(s => s.Total)]);
            Raw("(a) small ⁴", [.. nav["small"].Select(s => s.RowVisible)]);
            Raw("(a) large ⁴", [.. nav["large"].Select(s => s.RowVisible)]);
            Raw("(b) small", search["small"]);
            Raw("(b) large", search["large"]);
            Raw("clear small", clear["small"]);
            Raw("clear large", clear["large"]);
            Console.WriteLine();
            Console.WriteLine($"Machine: {Environment.ProcessorCount} cores; load average (1/5/15 min) {loadBefore} before the measured runs, {loadAfter} after.");
            Console.WriteLine("Everything shares these cores: the app (in this process), Playwright's driver, Chromium, and whatever else runs.");
        }

        void Row(string label, IReadOnlyList<double> smallTimes, IReadOnlyList<double> largeTimes)
        {
            double sMed = Stats.Median(smallTimes), sP95 = Stats.P95(smallTimes), lMed = Stats.Median(largeTimes), lP95 = Stats.P95(largeTimes);
            Console.WriteLine($"{label,-48} {sMed,9:F1} {sP95,9:F1} {lMed,10:F1} {lP95,10:F1} {lMed / sMed,8:F2}x {lP95 / sP95,8:F2}x");
        }

        void Raw(string label, IEnumerable<double> values) =>
            Console.WriteLine($"    {label,-12} {string.Join(" ", values.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}");

        static string LoadAverage()
        {
            try { return string.Join('/', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
            catch (IOException) { return "unknown"; }
        }

        void Part(string label, Func<NavSample, double> value) =>
            Console.WriteLine($"    {label,-40} {Stats.Median([.. nav["small"].Select(value)]),8:F1} {Stats.Median([.. nav["large"].Select(value)]),8:F1}");
    }
}

internal sealed record NavSample(
    double Total, double ResponseStart, double ResponseEnd, double DomContentLoaded, double Interactive, double Row, double RowVisible);

internal static class Stats
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Nearest-rank 95th percentile.</summary>
    public static double P95(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }
}

internal sealed record Options(int Runs, int Warmup, int Large, int Small, string Term, bool Sql)
{
    public static Options Parse(string[] args)
    {
        var options = new Options(Runs: 7, Warmup: 2, Large: 10_000, Small: 10, Term: "quokka", Sql: false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--runs" => options with { Runs = int.Parse(Next()) },
                "--warmup" => options with { Warmup = int.Parse(Next()) },
                "--large" => options with { Large = int.Parse(Next()) },
                "--small" => options with { Small = int.Parse(Next()) },
                "--term" => options with { Term = Next() },
                "--sql" => options with { Sql = true },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --runs N --warmup N --large N --small N --term WORD --sql"),
            };
        }
        if (options.Runs < 1 || options.Warmup < 0 || options.Small < 1 || options.Large < options.Small)
            throw new ArgumentException("Need --runs >= 1, --warmup >= 0, 1 <= --small <= --large.");
        return options;
    }
}
