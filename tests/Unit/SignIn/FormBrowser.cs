using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace FieldCamp.Tests.Unit.SignIn;

/// <summary>
/// A browser reduced to what the sign-in pages need: a cookie jar, the forms' antiforgery tokens, redirects left
/// to the test, and its own client address. Every address in 127.0.0.0/8 is this machine, so binding the socket to
/// 127.0.0.2 or 127.0.1.7 makes the app see a different client without any test hook in the app.
/// </summary>
internal sealed partial class FormBrowser : IDisposable
{
    public const string DefaultUserAgent = "FieldCampTests/1.0 (sign-in)";

    private FormBrowser(AppFactory app, string clientIp, string userAgent, bool useCookies)
    {
        app.StartServer();
        BaseAddress = app.ClientOptions.BaseAddress;
        ClientIp = clientIp;
        Cookies = new CookieContainer();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = useCookies,
            CookieContainer = Cookies,
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(clientIp), 0));
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
        Http = new HttpClient(handler) { BaseAddress = BaseAddress };
        Http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
    }

    public static FormBrowser Open(AppFactory app, string clientIp = "127.0.0.1", string userAgent = DefaultUserAgent) =>
        new(app, clientIp, userAgent, useCookies: true);

    /// <summary>A client that sends exactly the Cookie header given, as someone holding a copied cookie would.</summary>
    public static FormBrowser WithCookieHeader(AppFactory app, string cookieHeader, string clientIp = "127.0.0.1")
    {
        var browser = new FormBrowser(app, clientIp, DefaultUserAgent, useCookies: false);
        browser.Http.DefaultRequestHeaders.Add("Cookie", cookieHeader);
        return browser;
    }

    public Uri BaseAddress { get; }
    public string ClientIp { get; }
    public CookieContainer Cookies { get; }
    public HttpClient Http { get; }

    public string CookieHeader => Cookies.GetCookieHeader(BaseAddress);

    /// <summary>Fills in and submits the sign-in form; the answer is not followed.</summary>
    public async Task<HttpResponseMessage> SubmitSignInAsync(string email, string password, string? returnUrl = null)
    {
        var page = "/account/login" + (returnUrl is null ? "" : "?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        var token = Token(await Http.GetStringAsync(page));
        return await Http.PostAsync(page, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>Submits the sign-in form and returns the page's message, failing if the person got in.</summary>
    public async Task<string> SignInRefusedAsync(string email, string password)
    {
        using var response = await SubmitSignInAsync(email, password);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected the sign-in page again, got {(int)response.StatusCode} {response.Headers.Location}");
        return Alert().Match(html) is { Success: true } alert ? WebUtility.HtmlDecode(alert.Groups[1].Value) : "";
    }

    /// <summary>Signs in and checks that the answer leads to the dashboard.</summary>
    public async Task SignInAsync(string email, string password)
    {
        using var response = await SubmitSignInAsync(email, password);
        Assert.Equal("/settings/developer/api-keys", LocationPath(response));
    }

    /// <summary>The path a redirect leads to, or null when the answer is not a redirect.</summary>
    public string? LocationPath(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther
            && response.Headers.Location is { } location
            ? new Uri(BaseAddress, location).AbsolutePath
            : null;

    /// <summary>Posts the layout's sign-out form, with the token a dashboard page carried, or without any.</summary>
    public async Task<HttpResponseMessage> SignOutAsync(bool withToken = true)
    {
        var fields = new Dictionary<string, string>();
        if (withToken)
        {
            var page = await Http.GetStringAsync("/settings/developer/api-keys");
            fields["__RequestVerificationToken"] = Token(page);
        }
        return await Http.PostAsync("/account/logout", new FormUrlEncodedContent(fields));
    }

    private static string Token(string html)
    {
        var match = AntiforgeryToken().Match(html);
        Assert.True(match.Success, "The page carries no antiforgery token.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("<div class=\"account-alert\" role=\"alert\">([^<]*)</div>")]
    private static partial Regex Alert();
}
