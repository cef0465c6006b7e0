// Benchmark of the Audit log with 100,000 events in one branch beside 100 in another, in one run:
// (a) navigate to /settings/developer/audit-log -> first event row visible (Chromium, admin@acme.test),
// (b) GET /api/v1/audit-events?limit=100 (first page), (c) the same with type=api_key_revoked, (d) page 20 by cursor.
// Usage: AuditLog [--runs 7] [--warmup 2] [--large 100000] [--small 100]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using FieldCamp.Bench.ListPage;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FieldCamp.Bench.AuditLog;

internal static class AuditLogBenchmark
{
    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
        var runs = Arg("--runs", 7);
        var warmup = Arg("--warmup", 2);
        var largeCount = Arg("--large", 100_000);
        var smallCount = Arg("--small", 100);

        Console.WriteLine("Starting the app (WebApplicationFactory<Program>, Kestrel on loopback, Development, own SQLite file)...");
        using var app = new BenchApp();
        var services = app.Services;
        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();

        string adminId, northId, southId, companyId;
        await using (var db = await factory.CreateDbContextAsync())
        {
            var acme = await db.Companies.SingleAsync(c => c.Slug == "acme");
            companyId = acme.Id;
            northId = await db.Branches.Where(b => b.CompanyId == acme.Id && b.Name == "North").Select(b => b.Id).SingleAsync();
            southId = await db.Branches.Where(b => b.CompanyId == acme.Id && b.Name == "South").Select(b => b.Id).SingleAsync();
            adminId = await db.Users.Where(u => u.Email == "admin@acme.test").Select(u => u.Id).SingleAsync();
        }
        var (northKey, northSecret) = ApiKey.Create(companyId, northId, new NewApiKey("bench-siem-north", ["api-keys:manage"], null, null), Actor.Operator("bench"), DateTime.UtcNow);
        var (southKey, southSecret) = ApiKey.Create(companyId, southId, new NewApiKey("bench-siem-south", ["api-keys:manage"], null, null), Actor.Operator("bench"), DateTime.UtcNow);
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.ApiKeys.AddRange(northKey, southKey);
            await db.SaveChangesAsync();
        }

        var watch = Stopwatch.StartNew();
        await SeedAsync(factory, companyId, northId, largeCount, northKey.Id);
        await SeedAsync(factory, companyId, southId, smallCount, southKey.Id);
        Console.WriteLine($"Seeded {largeCount:N0} events in acme/North and {smallCount:N0} in acme/South in {watch.Elapsed.TotalSeconds:F1} s.");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        await using var context = await browser.NewContextAsync(new() { BaseURL = app.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("account/login");
        await page.GetByLabel("Email").FillAsync("admin@acme.test");
        await page.GetByLabel("Password").FillAsync("FieldCamp!demo1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/settings/developer/api-keys");

        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var results = new Dictionary<string, (List<double> Small, List<double> Large)>();
        void Add(string scenario, bool large, double ms)
        {
            if (!results.TryGetValue(scenario, out var lists)) results[scenario] = lists = ([], []);
            (large ? lists.Large : lists.Small).Add(ms);
        }

        for (var i = -warmup; i < runs; i++)
            foreach (var large in i % 2 == 0 ? new[] { false, true } : [true, false])
            {
                var (branch, secret) = large ? (northId, northSecret) : (southId, southSecret);
                var navigate = await NavigateAsync(branch);
                var first = await ApiAsync(secret, "limit=100");
                var filtered = await ApiAsync(secret, "limit=100&type=api_key_revoked");
                var deep = await DeepPageAsync(secret, pages: 20);
                if (i < 0) continue;
                Add("(a) navigate -> first event row visible", large, navigate);
                Add("(b) API first page, limit=100", large, first);
                Add("(c) API, type=api_key_revoked, limit=100", large, filtered);
                Add("(d) API, 20th page by cursor (limit=100)", large, deep);
            }

        Console.WriteLine();
        Console.WriteLine($"Audit log — {runs} measured runs per cell after {warmup} warm-up(s); ms; p95 = nearest rank");
        Console.WriteLine($"{"scenario",-44} {$"{smallCount:N0} events",-19} {$"{largeCount:N0} events",-21} {"ratio large ÷ small",-19}");
        Console.WriteLine($"{"",-44} {"median",9} {"p95",9} {"median",10} {"p95",10} {"median",9} {"p95",9}");
        foreach (var (scenario, (small, large)) in results)
        {
            var (sm, sp, lm, lp) = (Median(small), P95(small), Median(large), P95(large));
            Console.WriteLine($"{scenario,-44} {sm,9:F1} {sp,9:F1} {lm,10:F1} {lp,10:F1} {lm / sm,9:F2} {lp / sp,9:F2}");
        }
        return 0;

        async Task<double> NavigateAsync(string branchId)
        {
            await using (var db = await factory.CreateDbContextAsync())
                await db.Users.Where(u => u.Id == adminId).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastBranchId, branchId));
            var sw = Stopwatch.StartNew();
            await page.GotoAsync("settings/developer/audit-log", new() { WaitUntil = WaitUntilState.Commit });
            await page.WaitForFunctionAsync("""
                () => { const e = document.querySelector('[data-testid=audit-event]'); return e && e.getClientRects().length > 0; }
                """, null, new() { PollingInterval = 5 });
            return sw.Elapsed.TotalMilliseconds;
        }

        async Task<double> ApiAsync(string secret, string query)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/audit-events?{query}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            var sw = Stopwatch.StartNew();
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var ms = sw.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
            return ms;
        }

        async Task<double> DeepPageAsync(string secret, int pages)
        {
            string? cursor = null;
            double last = 0;
            for (var p = 0; p < pages; p++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/audit-events?limit=100{(cursor is null ? "" : $"&cursor={cursor}")}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
                var sw = Stopwatch.StartNew();
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                last = sw.Elapsed.TotalMilliseconds;
                using var json = JsonDocument.Parse(body);
                cursor = json.RootElement.GetProperty("nextCursor").GetString();
                if (cursor is null) break;
            }
            return last;
        }
    }

    /// <summary>Events a busy branch collects over a year: mostly key edits and rotations, some revocations, sign-ins.</summary>
    private static async Task SeedAsync(IDbContextFactory<AppDbContext> factory, string companyId, string branchId, int count, string keyId)
    {
        AuditEventType[] types = [AuditEventType.ApiKeyUpdated, AuditEventType.ApiKeyUpdated, AuditEventType.ApiKeyRotated, AuditEventType.ApiKeyCreated,
            AuditEventType.RotationStepChanged, AuditEventType.ApiKeyUpdated, AuditEventType.ApiKeyRevoked, AuditEventType.RotationCompleted];
        var start = DateTime.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(364) / Math.Max(count, 1);
        for (var done = 0; done < count;)
        {
            await using var db = await factory.CreateDbContextAsync();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            var batch = Math.Min(5_000, count - done);
            for (var i = 0; i < batch; i++, done++)
                db.AuditEvents.Add(new AuditEvent(types[done % types.Length], companyId, branchId, keyId, "bench-key",
                    Actor.Person("bench-user", "bench@acme.test", "203.0.113.10", "Mozilla/5.0 bench"), start + step * done,
                    [new AuditChange("name", "old", "new")]));
            await db.SaveChangesAsync();
        }
    }

    private static double Median(List<double> xs) { var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
    private static double P95(List<double> xs) { var s = xs.Order().ToList(); return s[Math.Max(0, (int)Math.Ceiling(0.95 * s.Count) - 1)]; }
}
