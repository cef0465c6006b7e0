using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Oversight;
using FieldCamp.Web.Data;
using FieldCamp.Web.Oversight;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Oversight;

/// <summary>
/// The quarterly review's CSV download with a browser's session cookie: owners only (checked on the server), one row per
/// key with the decision and note, and no cell a spreadsheet would run as a formula.
/// </summary>
public sealed partial class QuarterlyAuditCsvTests : IDisposable
{
    private readonly AppFactory _app = new();

    public void Dispose() => _app.Dispose();

    private static Quarter Current => Quarter.Containing(DateTime.UtcNow);

    /// <summary>Opens the current review as the owner would, with a decision and a hostile note on a key whose name is a formula.</summary>
    private async Task<string> OpenReviewAsync()
    {
        var key = await _app.CreateKeyAsync(branch: "South", name: "=HYPERLINK(\"http://evil.example\")");
        await using var db = await _app.CreateDbContextAsync();
        var companyId = await db.Companies.Where(c => c.Slug == "acme").Select(c => c.Id).SingleAsync();
        var owner = Actor.Person("owner", "owner@acme.test", "127.0.0.1");
        var factory = _app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await QuarterlyReviews.OpenAsync(factory, companyId, Current, owner, DateTime.UtcNow);
        var review = await QuarterlyReviews.FindAsync(db, companyId, Current);
        review!.Decide(key.Id, ReviewDecision.Revoke, "+cmd|' /C calc'!A0", owner, DateTime.UtcNow);
        await db.SaveChangesAsync();
        return companyId;
    }

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var http = _app.CreateClient();
        var form = await http.GetStringAsync("/account/login");
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var response = await http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = DemoSeeder.Password,
        }));
        Assert.Equal("/settings/developer/api-keys", response.RequestMessage?.RequestUri?.AbsolutePath);
        return http;
    }

    [Fact]
    public async Task Download_Owner_OneRowPerKeyWithDecisionNoteAndFormulasNeutralised()
    {
        var companyId = await OpenReviewAsync();
        using var http = await SignedInAsync("owner@acme.test");

        using var response = await http.GetAsync($"/settings/developer/quarterly-audit/{Current}.csv?company={companyId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"fieldcamp-acme-key-review-{Current}.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var csv = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Quarter,Branch,Key id,Key name,", lines[0]);
        Assert.Equal(1 + 5, lines.Length); // the four demo keys and the one this test made
        var hostile = Assert.Single(lines, l => l.Contains("HYPERLINK"));
        Assert.Contains(",revoke,", hostile);
        // The name and the note start with a quote mark, so a spreadsheet shows them as text instead of running them.
        Assert.Contains("'=HYPERLINK", hostile);
        Assert.DoesNotContain(",\"=", csv);
        Assert.Contains("'+cmd|", hostile);
        Assert.DoesNotContain(",=", csv);
        Assert.DoesNotContain(",+", csv);
    }

    [Fact]
    public async Task Download_WithoutCompany_UsesThePersonsCompany()
    {
        await OpenReviewAsync();
        using var http = await SignedInAsync("owner@acme.test");

        using var response = await http.GetAsync($"/settings/developer/quarterly-audit/{Current}.csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("admin@acme.test")]
    [InlineData("member@acme.test")]
    public async Task Download_NotAnOwner_403AndNoCsv(string email)
    {
        var companyId = await OpenReviewAsync();
        using var http = await SignedInAsync(email);

        using var response = await http.GetAsync($"/settings/developer/quarterly-audit/{Current}.csv?company={companyId}");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain("HYPERLINK", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Download_OwnerOfAnotherCompany_404()
    {
        var companyId = await OpenReviewAsync();
        using var http = await SignedInAsync("owner@globex.test");

        using var response = await http.GetAsync($"/settings/developer/quarterly-audit/{Current}.csv?company={companyId}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("2026-Q9")]
    [InlineData("nonsense")]
    [InlineData("2019-Q1")]
    public async Task Download_BadOrUnreviewedQuarter_404(string quarter)
    {
        await OpenReviewAsync();
        using var http = await SignedInAsync("owner@acme.test");

        using var response = await http.GetAsync($"/settings/developer/quarterly-audit/{quarter}.csv");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Download_SignedOut_LeadsToSignIn()
    {
        await OpenReviewAsync();
        using var http = _app.CreateClient();

        using var response = await http.GetAsync($"/settings/developer/quarterly-audit/{Current}.csv");

        Assert.Equal("/account/login", response.RequestMessage?.RequestUri?.AbsolutePath);
        Assert.NotEqual("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("HYPERLINK", await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
