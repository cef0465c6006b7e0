using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FieldCamp.Tests.Unit.SignIn;

/// <summary>
/// The sign-in form as an attacker would use it: guessing an owner's password, telling real e-mails from invented
/// ones, replaying a cookie after sign-out, signing someone out from another site, and a hostile return address.
/// </summary>
public class SignInSecurityTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Password = "Right!pass1";

    [Fact]
    public async Task SignIn_StrangersManyWrongPasswordsFromOneAddress_OwnerStillSignsInFromAnother()
    {
        var owner = await CreatePersonAsync(Role.Owner);
        using var stranger = FormBrowser.Open(app, "127.0.3.1");

        var answers = new List<string>();
        for (var i = 0; i < 12; i++) answers.Add(await stranger.SignInRefusedAsync(owner, $"guess-{i}"));

        Assert.All(answers.Take(SignInThrottle.FreeAccountFailures), a => Assert.Equal(SignInOutcome.FailedMessage, a));
        Assert.All(answers.Skip(SignInThrottle.FreeAccountFailures), a => Assert.Matches(@"^Too many attempts\. Try again in \d+ seconds\.$", a));
        // Even the right password is not heard from the stranger's address now.
        Assert.StartsWith("Too many attempts.", await stranger.SignInRefusedAsync(owner, Password));

        using var ownersBrowser = FormBrowser.Open(app, "127.0.3.2");
        await ownersBrowser.SignInAsync(owner, Password);
        using var dashboard = await ownersBrowser.Http.GetAsync("/settings/developer/api-keys");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);

        // Identity's own lock-out is not used for failures: nothing was counted on the account.
        await using var db = await app.CreateDbContextAsync();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == owner);
        Assert.Equal(0, user.AccessFailedCount);
        Assert.Null(user.LockoutEnd);
    }

    [Fact]
    public async Task SignIn_UnknownAndKnownEmail_SameMessage()
    {
        var known = await CreatePersonAsync(Role.Member);
        using var browser = FormBrowser.Open(app, "127.0.3.10");

        var forKnown = await browser.SignInRefusedAsync(known, "wrong-password");
        var forUnknown = await browser.SignInRefusedAsync($"nobody-{Guid.NewGuid():N}@acme.test", "wrong-password");

        Assert.Equal(SignInOutcome.FailedMessage, forKnown);
        Assert.Equal(forKnown, forUnknown);
    }

    [Fact]
    public async Task SignIn_UnknownAndKnownEmailThrottled_SameMessage()
    {
        var known = await CreatePersonAsync(Role.Member);
        var unknown = $"nobody-{Guid.NewGuid():N}@acme.test";
        using var browser = FormBrowser.Open(app, "127.0.3.11");

        for (var i = 0; i < SignInThrottle.FreeAccountFailures; i++)
        {
            await browser.SignInRefusedAsync(known, "wrong");
            await browser.SignInRefusedAsync(unknown, "wrong");
        }

        var forKnown = await browser.SignInRefusedAsync(known, "wrong");
        var forUnknown = await browser.SignInRefusedAsync(unknown, "wrong");
        Assert.Matches(@"^Too many attempts\. Try again in 1[0-6] seconds\.$", forKnown);
        Assert.Matches(@"^Too many attempts\. Try again in 1[0-6] seconds\.$", forUnknown);
    }

    [Fact]
    public async Task SignIn_LockedByAnOwner_RightPasswordStillRefused()
    {
        var person = await CreatePersonAsync(Role.Admin);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(person))!, DateTimeOffset.UtcNow.AddDays(1));
        }
        using var browser = FormBrowser.Open(app, "127.0.3.20");

        // Only someone who knows the password learns of the lock.
        Assert.Equal(SignInOutcome.FailedMessage, await browser.SignInRefusedAsync(person, "wrong"));
        Assert.Equal(SignInOutcome.LockedOutMessage, await browser.SignInRefusedAsync(person, Password));
        using var dashboard = await browser.Http.GetAsync("/settings/developer/api-keys");
        Assert.Equal("/account/login", browser.LocationPath(dashboard));
    }

    [Fact]
    public async Task SignOut_CopiedCookieReplayedAfterwards_LeadsToSignIn()
    {
        var person = await CreatePersonAsync(Role.Admin);
        using var browser = FormBrowser.Open(app, "127.0.3.30");
        await browser.SignInAsync(person, Password);
        var copied = browser.CookieHeader;
        Assert.Contains("fieldcamp.session=", copied);
        using (var thief = FormBrowser.WithCookieHeader(app, copied, "127.0.3.31"))
        using (var before = await thief.Http.GetAsync("/settings/developer/api-keys"))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        using var signOut = await browser.SignOutAsync();
        Assert.Equal("/account/login", browser.LocationPath(signOut));

        using var replayer = FormBrowser.WithCookieHeader(app, copied, "127.0.3.31");
        using var after = await replayer.Http.GetAsync("/settings/developer/api-keys");
        Assert.Equal("/account/login", replayer.LocationPath(after));
    }

    [Fact]
    public async Task SignOut_WithoutAntiforgeryToken_400AndTheSessionGoesOn()
    {
        var person = await CreatePersonAsync(Role.Admin);
        using var browser = FormBrowser.Open(app, "127.0.3.40");
        await browser.SignInAsync(person, Password);

        using var forged = await browser.SignOutAsync(withToken: false);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        using var dashboard = await browser.Http.GetAsync("/settings/developer/api-keys");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        await using var db = await app.CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.Email == person).Select(u => u.Id).SingleAsync();
        Assert.DoesNotContain(await db.AuditEvents.AsNoTracking().Where(e => e.Type == AuditEventType.SignedOut).ToListAsync(),
            e => e.Actor.Id == userId);
    }

    [Theory]
    [InlineData("/caf\u00e9")]
    [InlineData("/\u65e5\u672c")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("https://evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task SignIn_HostileReturnUrl_LandsOnTheDefaultPage(string returnUrl)
    {
        using var browser = FormBrowser.Open(app, "127.0.3.50");

        using var response = await browser.SubmitSignInAsync("admin@acme.test", DemoSeeder.Password, returnUrl);

        Assert.True(response.StatusCode == HttpStatusCode.Found, string.Join("\n", app.Logs.Entries.Where(e => e.StartsWith("Error"))));
        Assert.Equal(new Uri(browser.BaseAddress, "/settings/developer/api-keys"), new Uri(browser.BaseAddress, response.Headers.Location!));
    }

    [Fact]
    public async Task SignIn_LocalReturnUrl_GoesBackThere()
    {
        using var browser = FormBrowser.Open(app, "127.0.3.51");

        using var response = await browser.SubmitSignInAsync("admin@acme.test", DemoSeeder.Password, "/notifications?x=1");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(new Uri(browser.BaseAddress, "/notifications?x=1"), new Uri(browser.BaseAddress, response.Headers.Location!));
    }

    [Fact]
    public async Task SignInAndOut_EachStepAudited_CompanyWideWithAddressAndAgent()
    {
        var person = await CreatePersonAsync(Role.Admin);
        var (companyId, _) = await app.TenantAsync();
        var (otherCompanyId, _) = await app.TenantAsync("globex");
        await AddMembershipAsync(person, otherCompanyId, Role.Member);
        using var browser = FormBrowser.Open(app, "127.0.3.60", "AuditAgent/2.0");

        await browser.SignInRefusedAsync(person, "wrong-1");
        for (var i = 2; i <= SignInThrottle.FreeAccountFailures; i++) await browser.SignInRefusedAsync(person, $"wrong-{i}");
        for (var i = 0; i < 5; i++) await browser.SignInRefusedAsync(person, "still-throttled");
        using var ownersBrowser = FormBrowser.Open(app, "127.0.3.61", "AuditAgent/2.0");
        await ownersBrowser.SignInAsync(person, Password);
        using var signOut = await ownersBrowser.SignOutAsync();
        Assert.Equal("/account/login", ownersBrowser.LocationPath(signOut));

        await using var db = await app.CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.Email == person).Select(u => u.Id).SingleAsync();
        var events = (await db.AuditEvents.AsNoTracking().Where(e => e.Type >= AuditEventType.SignInSucceeded && e.Subject == person)
            .OrderBy(e => e.Id).ToListAsync());
        var inAcme = events.Where(e => e.CompanyId == companyId).ToList();
        // Five failures, one throttled event for the five refused attempts, the sign-in and the sign-out.
        Assert.Equal([.. Enumerable.Repeat(AuditEventType.SignInFailed, SignInThrottle.FreeAccountFailures),
            AuditEventType.SignInThrottled, AuditEventType.SignInSucceeded, AuditEventType.SignedOut], inAcme.Select(e => e.Type));
        Assert.Equal(inAcme.Select(e => e.Type), events.Where(e => e.CompanyId == otherCompanyId).Select(e => e.Type));
        Assert.All(events, e =>
        {
            Assert.Null(e.BranchId);
            Assert.Null(e.ApiKeyId);
            Assert.Equal("AuditAgent/2.0", e.Actor.UserAgent);
            Assert.DoesNotContain("wrong", e.Note ?? "");
            Assert.DoesNotContain(e.Changes, c => (c.From + c.To).Contains("wrong", StringComparison.Ordinal));
        });
        Assert.All(events.Where(e => e.Type is AuditEventType.SignInFailed or AuditEventType.SignInThrottled), e =>
        {
            Assert.Equal(ActorType.System, e.Actor.Type);
            Assert.Equal("anonymous", e.Actor.Id);
            Assert.Equal(person, e.Actor.Name);
            Assert.Equal("127.0.3.60", e.Actor.Ip);
        });
        Assert.All(events.Where(e => e.Type is AuditEventType.SignInSucceeded or AuditEventType.SignedOut), e =>
        {
            Assert.Equal(ActorType.Person, e.Actor.Type);
            Assert.Equal(userId, e.Actor.Id);
            Assert.Equal("127.0.3.61", e.Actor.Ip);
        });
    }

    [Fact]
    public async Task SignIn_UnknownEmailFlood_NoAuditRowsNoLineEach()
    {
        using var browser = FormBrowser.Open(app, "127.0.3.70");
        await using var db = await app.CreateDbContextAsync();
        var before = await db.AuditEvents.CountAsync();
        var linesBefore = app.Logs.Entries.Count(e => e.Contains("e-mails without an account", StringComparison.Ordinal));

        for (var i = 0; i < 8; i++) await browser.SignInRefusedAsync($"invented-{Guid.NewGuid():N}@example.test", "guess");

        Assert.Equal(before, await db.AuditEvents.CountAsync());
        Assert.InRange(app.Logs.Entries.Count(e => e.Contains("e-mails without an account", StringComparison.Ordinal)) - linesBefore, 0, 1);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Contains("invented-", StringComparison.Ordinal));
    }

    private async Task<string> CreatePersonAsync(Role role, string company = "acme")
    {
        var email = $"person-{Guid.NewGuid():N}@{company}.test";
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, DisplayName = "Test person" };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join(", ", created.Errors.Select(e => e.Description)));
        var (companyId, _) = await app.TenantAsync(company);
        await AddMembershipAsync(email, companyId, role);
        return email;
    }

    private async Task AddMembershipAsync(string email, string companyId, Role role)
    {
        await using var db = await app.CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        db.Memberships.Add(new Membership(userId, companyId, role));
        await db.SaveChangesAsync();
    }
}

/// <summary>
/// The time of a failed sign-in does not tell whether the e-mail has an account: both check a password hash of the
/// same cost. Its own app, hashing at the production cost (the other tests use one iteration to stay cheap).
/// </summary>
public sealed class SignInTimingTests(ITestOutputHelper output) : IDisposable
{
    private readonly AppFactory _app = new() { PasswordIterations = 100_000 };

    [Fact]
    public async Task SignIn_UnknownAndKnownEmail_ComparableTime()
    {
        const string known = "member@acme.test";
        // Warm both paths up (compilation, the decoy hash, connection pools) before measuring.
        using (var warm = FormBrowser.Open(_app, "127.0.4.250"))
        {
            await warm.SignInRefusedAsync(known, "warm-up");
            await warm.SignInRefusedAsync("warm-up@example.test", "warm-up");
        }

        var knownTimes = new List<double>();
        var unknownTimes = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            // A new address each time, so the throttle (which would answer without hashing) stays out of the measure.
            knownTimes.Add(await TimeFailedSignInAsync($"127.0.4.{1 + i}", known));
            unknownTimes.Add(await TimeFailedSignInAsync($"127.0.4.{100 + i}", $"nobody-{Guid.NewGuid():N}@acme.test"));
        }

        var knownMedian = Median(knownTimes);
        var unknownMedian = Median(unknownTimes);
        var ratio = Math.Max(knownMedian, unknownMedian) / Math.Min(knownMedian, unknownMedian);
        output.WriteLine($"Failed sign-in, median of 10: known e-mail {knownMedian:F1} ms, unknown {unknownMedian:F1} ms.");
        Assert.True(ratio < 2, $"Known e-mail median {knownMedian:F1} ms, unknown {unknownMedian:F1} ms: ratio {ratio:F2}.");
    }

    private async Task<double> TimeFailedSignInAsync(string clientIp, string email)
    {
        using var browser = FormBrowser.Open(_app, clientIp);
        var form = await browser.Http.GetStringAsync("/account/login"); // fetched outside the measure
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["Input.Email"] = email,
            ["Input.Password"] = "not-the-password",
        });
        var watch = Stopwatch.StartNew();
        using var response = await browser.Http.PostAsync("/account/login", content);
        var html = await response.Content.ReadAsStringAsync();
        watch.Stop();
        Assert.Contains(SignInOutcome.FailedMessage, html, StringComparison.Ordinal);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public void Dispose() => _app.Dispose();
}

/// <summary>The session cookie never travels over plain HTTP outside Development.</summary>
public sealed class SessionCookieTests
{
    [Theory]
    [InlineData("Production", true)]
    [InlineData("Development", false)]
    public async Task SignIn_SessionCookie_SecureOutsideDevelopment(string environment, bool secure)
    {
        await using var app = new AppFactory { Environment = environment };
        var email = "owner@acme.test";
        if (environment == "Production")
        {
            email = "owner@northwind.test";
            var (owner, errors) = await app.Services.GetRequiredService<FieldCamp.Web.Dashboard.FirstRun>()
                .CreateWorkspaceAsync("Northwind", "northwind", "Main", email, DemoSeeder.Password);
            Assert.True(owner is not null, string.Join(", ", errors.Values));
        }
        using var browser = FormBrowser.Open(app, "127.0.5.1");

        using var response = await browser.SubmitSignInAsync(email, DemoSeeder.Password);

        Assert.Equal("/settings/developer/api-keys", browser.LocationPath(response));
        var session = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("fieldcamp.session=", StringComparison.Ordinal));
        Assert.Equal(secure, session.Split(';').Any(part => part.Trim().Equals("secure", StringComparison.OrdinalIgnoreCase)));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
    }
}
