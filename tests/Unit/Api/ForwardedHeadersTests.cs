using System.Net;
using System.Net.Sockets;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Tests.Unit.SignIn;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// The client address is the connection's, or X-Forwarded-For's when the connection comes from a proxy listed under
/// ForwardedHeaders; nothing is trusted by default. The key's last-used address, the failed-credential throttle and the
/// sign-in throttle all see that same address. Peers are told apart by binding to different 127.x addresses.
/// </summary>
public class ForwardedHeadersTests
{
    private const string CompanyInfo = "/api/v1/company-info";

    private static AppFactory App(params (string Key, string Value)[] settings)
    {
        // The failures a test counts all fall in one throttle window, however long it takes.
        var app = new AppFactory { Clock = ManualTimeProvider.AtSecond10OfThisMinute() };
        app.Settings["RateLimits:FailedCredentialsPerMinute"] = "3";
        foreach (var (key, value) in settings) app.Settings[key] = value;
        return app;
    }

    [Fact]
    public async Task ForwardedFor_FromAnUnlistedPeer_IsIgnored()
    {
        using var app = App();
        var key = await app.CreateKeyAsync();
        using (var first = Client(app, "127.0.0.1", key.Secret)) await first.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);

        for (var i = 0; i < 3; i++)
        {
            using var bad = Client(app, "127.0.0.1", "fc_live_bad", forwardedFor: $"203.0.113.{i + 1}");
            await bad.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        }
        // A new address in the header changes nothing: the peer itself is counted.
        using (var spoofed = Client(app, "127.0.0.1", "fc_live_bad", forwardedFor: "203.0.113.99"))
            await spoofed.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");

        // The key was seen before, so it still works from the throttled peer, which is what its last use shows.
        using (var good = Client(app, "127.0.0.1", key.Secret, forwardedFor: "203.0.113.50"))
            await good.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("127.0.0.1", await LastUsedIpAsync(app, key.Id));
    }

    [Fact]
    public async Task ForwardedFor_FromAListedProxy_IsTheClientEverywhere()
    {
        using var app = App(("ForwardedHeaders:KnownProxies:0", "127.0.0.1"));
        var key = await app.CreateKeyAsync();

        for (var i = 0; i < 3; i++)
        {
            using var bad = Client(app, "127.0.0.1", "fc_live_bad", forwardedFor: "203.0.113.1");
            await bad.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        }
        using (var same = Client(app, "127.0.0.1", "fc_live_bad", forwardedFor: "203.0.113.1"))
            await same.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.TooManyRequests, "too_many_failed_credentials");
        // Another client behind the same proxy has its own allowance.
        using (var neighbour = Client(app, "127.0.0.1", "fc_live_bad", forwardedFor: "203.0.113.2"))
            await neighbour.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        // A peer that is not the proxy cannot borrow an address, not even a throttled one, to be counted under it.
        using (var notTheProxy = Client(app, "127.0.0.2", "fc_live_bad", forwardedFor: "203.0.113.1"))
            await notTheProxy.GetAsync(CompanyInfo).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");

        using (var good = Client(app, "127.0.0.1", key.Secret, forwardedFor: "203.0.113.50"))
            await good.GetAsync(CompanyInfo).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("203.0.113.50", await LastUsedIpAsync(app, key.Id));
    }

    [Fact]
    public async Task ForwardedFor_FromAListedNetwork_SignInThrottleSeesTheClient()
    {
        using var app = App(("ForwardedHeaders:KnownNetworks:0", "127.0.0.0/8"));
        var owner = await CreateOwnerAsync(app);

        // A stranger behind the proxy guesses until refused; the owner, behind the same proxy, is another client.
        using var stranger = FormBrowser.Open(app, "127.0.0.1");
        stranger.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.1");
        string answer = "";
        for (var i = 0; i < 8; i++) answer = await stranger.SignInRefusedAsync(owner, $"guess-{i}");
        Assert.StartsWith("Too many attempts.", answer);

        using var ownersBrowser = FormBrowser.Open(app, "127.0.0.1");
        ownersBrowser.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.2");
        await ownersBrowser.SignInAsync(owner, Password);
    }

    [Fact]
    public void Settings_AnEntryThatDoesNotParse_StopsTheStartNamingIt()
    {
        using var app = App(("ForwardedHeaders:KnownNetworks:0", "10.0.0.0/33"));
        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("10.0.0.0/33", failure.ToString());
    }

    private const string Password = "Right!pass1";

    private static async Task<string> CreateOwnerAsync(AppFactory app)
    {
        var email = $"person-{Guid.NewGuid():N}@acme.test";
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var created = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, DisplayName = "Test person" }, Password);
            Assert.True(created.Succeeded);
        }
        var (companyId, _) = await app.TenantAsync();
        await using var db = await app.CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        db.Memberships.Add(new Membership(userId, companyId, Role.Owner));
        await db.SaveChangesAsync();
        return email;
    }

    private static async Task<string?> LastUsedIpAsync(AppFactory app, string keyId)
    {
        string? ip = null;
        await Http.EventuallyAsync(async () =>
        {
            await using var db = await app.CreateDbContextAsync();
            ip = await db.ApiKeys.Where(k => k.Id == keyId).Select(k => k.LastUsedIp).SingleAsync();
            return ip is not null;
        }, TimeSpan.FromSeconds(10), "last use recorded");
        return ip;
    }

    /// <summary>An API client whose connection comes from <paramref name="peer"/>, optionally claiming another address.</summary>
    private static HttpClient Client(AppFactory app, string peer, string key, string? forwardedFor = null)
    {
        app.StartServer();
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(peer), 0));
                    await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = app.ClientOptions.BaseAddress };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + key);
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        return client;
    }
}
