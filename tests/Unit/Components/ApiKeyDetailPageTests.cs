using System.Globalization;
using AngleSharp.Dom;
using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Components.Pages.ApiKeys;
using FieldCamp.Web.Dashboard;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// A key's page over the real app's services and the seeded demo workspace: quickbooks-sync has two days of hourly
/// traffic, created by admin@acme.test, who also owns it.
/// </summary>
public sealed class ApiKeyDetailPageTests : MudTestContext, IDisposable
{
    private const string Admin = "admin@acme.test";
    private const string DemoKey = "quickbooks-sync";

    private readonly DashboardApp _app = new();
    private DashboardKeys _keys = default!;

    // Runs after the bUnit context's async disposal, so the page is gone before the app it reads from.
    public void Dispose() => _app.Dispose();

    private IRenderedComponent<ApiKeyDetail> Render(string keyId)
    {
        Context.Render<MudPopoverProvider>();
        var page = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, keyId));
        page.WaitForAssertion(() => Assert.True(page.HasTestId("detail-facts")), TimeSpan.FromSeconds(10));
        return page;
    }

    private async Task<string> SignInAndFindAsync(string keyName)
    {
        (_, _keys) = await _app.AddDashboardServicesAsync(Context, Admin);
        return await _app.KeyIdAsync(keyName);
    }

    [Theory]
    [InlineData("key_doesnotexist")]
    [InlineData("<script>alert(1)</script>")]
    public async Task UnknownKeyId_SaysKeyNotFoundAsItsHeading_WithoutRepeatingTheAddress(string keyId)
    {
        await SignInAndFindAsync(DemoKey);
        Context.Render<MudPopoverProvider>();

        var page = Context.Render<ApiKeyDetail>(p => p.Add(d => d.Id, keyId));

        page.WaitForAssertion(() => Assert.Equal("Key not found", page.Find("h1").TextContent.Trim()), TimeSpan.FromSeconds(10));
        Assert.Contains("No key with this id exists in North.", page.Text());
        Assert.Equal("Not found", page.Find(".mud-breadcrumbs [aria-current=page]").TextContent.Trim());
        Assert.DoesNotContain(keyId, page.Markup);
        Assert.Equal("settings/developer/api-keys", page.FindAll("a").Single(a => a.TextContent.Contains("Back to API keys")).GetAttribute("href"));
    }

    /// <summary>The Details card's facts, label by label.</summary>
    private static Dictionary<string, string> Facts(IRenderedComponent<ApiKeyDetail> page) =>
        page.ByTestId("detail-facts").QuerySelectorAll("dt").ToDictionary(dt => dt.TextContent.Trim(), dt => dt.NextElementSibling!.TextContent.Trim());

    private static IReadOnlyList<IElement> RequestRows(IRenderedComponent<ApiKeyDetail> page) =>
        page.FindAll("[data-testid='recent-requests'] tbody tr");

    /// <summary>A row's time, to the second.</summary>
    private static string RowTime(IElement row) => row.QuerySelector("time")!.GetAttribute("datetime")!;

    private static string Pager(IRenderedComponent<ApiKeyDetail> page) => page.Find(".mud-table-page-number-information").TextContent.Trim();

    /// <summary>The demo key's request log, as (when, how many alike) pairs.</summary>
    private async Task<List<(DateTime At, int Count)>> RequestLogAsync(string keyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        var log = await db.ApiKeyRequests.Where(r => r.ApiKeyId == keyId).Select(r => new { r.At, r.Count }).ToListAsync();
        return [.. log.Select(r => (r.At, r.Count))];
    }

    /// <summary>The first hour of a window of whole hours that ends with the current one.</summary>
    private DateTime WindowStart(int hours)
    {
        var now = _keys.Now;
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(1 - hours);
    }

    [Fact]
    public async Task History_OwnerAndExpiryChanged_ShowsEmailsAndFormattedDates()
    {
        var id = await SignInAndFindAsync(DemoKey);
        string adminId, memberId;
        DateTime expiry;
        await using (var db = await _app.CreateDbContextAsync())
        {
            adminId = await db.Users.Where(u => u.Email == Admin).Select(u => u.Id).SingleAsync();
            memberId = await db.Users.Where(u => u.Email == "member@acme.test").Select(u => u.Id).SingleAsync();
            expiry = (await db.ApiKeys.SingleAsync(k => k.Id == id)).ExpiresAt!.Value;
        }
        await _keys.UpdateAsync(id, new ApiKeyUpdate(OwnerId: new Set<string?>(memberId), ExpiresAt: new Set<DateTime?>(null)));

        var page = Render(id);

        // Newest first: the edit, then the key's creation with its initial values. Each time is relative and exact.
        var events = page.ByTestId("key-history").QuerySelectorAll(".mud-timeline-item").Select(e => e.TextContent).ToList();
        Assert.Equal(2, events.Count);
        Assert.Contains($"Edited by {Admin}", events[0]);
        Assert.Contains("just now · ", events[0]);
        Assert.Contains($"Owner: {Admin} → member@acme.test", events[0]);
        Assert.Contains($"Expires: {Humanize.Exact(expiry)} → never", events[0]);
        Assert.Contains($"Created by {Admin}", events[1]);
        Assert.Contains("20 days ago · ", events[1]);
        Assert.Contains($"Owner: {Admin}", events[1]);
        Assert.Contains($"Expires: {Humanize.Exact(expiry)}", events[1]);
        Assert.DoesNotContain(adminId, page.Markup);
        Assert.DoesNotContain(memberId, page.Markup);
        Assert.DoesNotContain(expiry.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), page.Markup);
        Assert.DoesNotContain("expiresAt", page.ByTestId("key-history").TextContent);
    }

    [Fact]
    public async Task RecentRequests_Render_NewestFirstTenAPage()
    {
        var id = await SignInAndFindAsync(DemoKey);
        var log = await RequestLogAsync(id);
        var newestFirst = log.Select(r => r.At).OrderDescending().Select(at => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).ToList();
        int InWindow() => log.Count(r => r.At >= WindowStart(48));

        var page = Render(id);

        page.WaitForAssertion(() =>
        {
            Assert.Equal(newestFirst[..10], RequestRows(page).Select(RowTime));
            Assert.Equal($"1-10 of {InWindow()}", Pager(page));
        }, TimeSpan.FromSeconds(10));

        await page.ActAsync(p => p.Find("button[aria-label='Next page']"), e => e.ClickAsync(new MouseEventArgs()));

        page.WaitForAssertion(() =>
        {
            Assert.Equal(newestFirst[10..20], RequestRows(page).Select(RowTime));
            Assert.Equal($"11-20 of {InWindow()}", Pager(page));
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TimeWindow_24Hours_NarrowsTheSummaryAndTheRequests()
    {
        var id = await SignInAndFindAsync(DemoKey);
        var log = await RequestLogAsync(id);
        var page = Render(id);
        page.WaitForAssertion(() => Assert.Equal(10, RequestRows(page).Count), TimeSpan.FromSeconds(10));
        Assert.Contains("in the last 48 hours", page.ByTestId("activity-summary").TextContent);

        await page.ClickAsync("24 hours");

        // Recomputed on each try: the window moves on when the hour changes, and the page refreshes every few seconds.
        page.WaitForAssertion(() =>
        {
            var inWindow = log.Where(r => r.At >= WindowStart(24)).ToList();
            Assert.StartsWith($"{inWindow.Sum(r => r.Count):N0} requests in the last 24 hours;", page.ByTestId("activity-summary").TextContent.Trim());
            Assert.Equal($"1-10 of {inWindow.Count}", Pager(page));
            Assert.Contains("Last 24 hours, newest first", page.Text());
        }, TimeSpan.FromSeconds(10));
        Assert.True(log.Count(r => r.At >= WindowStart(48)) > log.Count(r => r.At >= WindowStart(24)));
    }

    [Fact]
    public async Task ActivitySummary_DemoTraffic_GivesTheTotalAndTheBusiestHour()
    {
        var id = await SignInAndFindAsync(DemoKey);
        var log = await RequestLogAsync(id);

        var page = Render(id);

        page.WaitForAssertion(() =>
        {
            var since = WindowStart(48);
            var hours = Enumerable.Range(0, 48).Select(i => since.AddHours(i))
                .Select(h => (Hour: h, Requests: log.Where(r => r.At >= h && r.At < h.AddHours(1)).Sum(r => r.Count))).ToList();
            // The earliest of equally busy hours.
            var peak = hours.First(h => h.Requests == hours.Max(x => x.Requests));
            Assert.StartsWith($"{hours.Sum(h => h.Requests):N0} requests in the last 48 hours; " +
                $"busiest hour {peak.Hour:yyyy-MM-dd HH:mm}–{peak.Hour.AddHours(1):HH:mm} UTC with {peak.Requests} requests. By outcome: ",
                page.ByTestId("activity-summary").TextContent.Trim());
        }, TimeSpan.FromSeconds(10));
        // The chart repeats the summary as a picture, so screen readers get the summary alone.
        Assert.Equal("true", page.Find(".activity-chart").GetAttribute("aria-hidden"));
    }

    [Fact]
    public async Task Details_RevokedKey_ShowsTheRevocationInsteadOfTheExpiry()
    {
        var id = await SignInAndFindAsync(DemoKey);
        var revoked = await _keys.RevokeAsync(id);

        var page = Render(id);

        var facts = Facts(page);
        Assert.Equal($"just now · {Humanize.Exact(revoked!.RevokedAt)} by {Admin}", facts["Revoked"]);
        Assert.DoesNotContain("Expires", facts.Keys);
        Assert.DoesNotContain("Expired", facts.Keys);
    }

    [Fact]
    public async Task Details_ExpiredKey_SaysWhenItExpired()
    {
        var id = await SignInAndFindAsync(DemoKey);
        var expired = _keys.Now.AddDays(-2);
        await using (var db = await _app.CreateDbContextAsync())
            await db.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(set => set.SetProperty(k => k.ExpiresAt, expired));

        var page = Render(id);

        var facts = Facts(page);
        Assert.Equal($"2 days ago · {Humanize.Exact(expired)}", facts["Expired"]);
        Assert.DoesNotContain("Expires", facts.Keys);
    }

    [Fact]
    public async Task Details_ActiveKey_ShowsWhenItExpires()
    {
        var id = await SignInAndFindAsync(DemoKey);

        var page = Render(id);

        Assert.StartsWith("in 2 months · ", Facts(page)["Expires"]);
        Assert.DoesNotContain("Revoked", Facts(page).Keys);
    }

    [Fact]
    public async Task RateLimit_KeyThatHitIt_ShowsIts429sApartInTheSummaryAndTheChart()
    {
        var id = await SignInAndFindAsync("booking-widget-prod");
        await using var db = await _app.CreateDbContextAsync();
        var since = DateTime.UtcNow.AddHours(-24);
        var refused = await db.ApiKeyRequests.Where(r => r.ApiKeyId == id && r.Status == 429 && r.At >= since).SumAsync(r => r.Count);
        Assert.True(refused > 0);

        var page = Render(id);

        page.WaitForAssertion(() =>
        {
            Assert.StartsWith($"{refused:N0} × 429 in 24 h", page.ByTestId("limited-count").TextContent.Trim());
            // The summary is the chart's text alternative: it tells the outcomes apart as the stacked bars do.
            Assert.Matches(@"By outcome: [\d,]+ 2xx, (?:[\d,]+ 4xx, )?[\d,]+ 429 \(over the limit\)\.$", page.ByTestId("activity-summary").TextContent.Trim());
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RateLimit_KeyThatNeverHitIt_SaysSo()
    {
        var id = await SignInAndFindAsync(DemoKey);

        var page = Render(id);

        Assert.Equal("No 429s in 24 h", page.ByTestId("limited-count").TextContent.Trim());
        // The outcome's own words: a count of other answers may happen to be 429 ("429 2xx").
        Assert.DoesNotContain("429 (over the limit)", page.ByTestId("activity-summary").TextContent);
    }

    /// <summary>The Rate limit fact's own words, without the 429 count under them.</summary>
    private static string RateLimitText(IRenderedComponent<ApiKeyDetail> page) =>
        string.Concat(page.ByTestId("detail-facts").QuerySelectorAll("dt").Single(dt => dt.TextContent.Trim() == "Rate limit")
            .NextElementSibling!.ChildNodes.OfType<IText>().Select(t => t.Text)).Trim();

    [Theory]
    [InlineData(1500, null, "1,500 requests/min, its own")]
    [InlineData(1500, 900, "1,500 requests/min, its own")]
    [InlineData(null, null, "Shared company limit (600/min)")]
    [InlineData(null, 900, "Shared company limit (900/min)")]
    public async Task RateLimit_OwnOrShared_SaysWhichLimitTheKeyHas(int? ownLimit, int? companyLimit, string expected)
    {
        var id = await SignInAndFindAsync(DemoKey);
        if (ownLimit is not null) await _keys.UpdateAsync(id, new ApiKeyUpdate(RateLimitPerMinute: new Set<int?>(ownLimit)));
        if (companyLimit is not null)
        {
            // Saved by an owner, as the Key policy page does; the configured default (600) applies otherwise.
            var owner = await _app.WorkspaceForAsync("owner@acme.test");
            var policy = new FieldCamp.Web.KeyPolicies.DashboardKeyPolicy(_app.Service<IDbContextFactory<FieldCamp.Web.Data.AppDbContext>>(),
                _app.Service<FieldCamp.Web.KeyPolicies.CompanyKeyPolicies>(), owner, _app.Service<TimeProvider>());
            await policy.SaveAsync(new KeyPolicySettings(DefaultRequestsPerMinute: companyLimit));
        }

        var page = Render(id);

        Assert.Equal(expected, RateLimitText(page));
    }

}
