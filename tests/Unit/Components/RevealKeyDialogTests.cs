using System.Reflection;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using System.Text.Json;
using Bunit;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Components.Dialogs;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

namespace FieldCamp.Tests.Unit.Components;

public sealed class RevealKeyDialogTests : MudTestContext
{
    private const string BaseUrl = "https://console.acme.test/";

    // The options the API keys page opens the reveal with: only "Done" may close it.
    private static readonly DialogOptions PageOptions = new()
    {
        MaxWidth = MaxWidth.Medium, FullWidth = true, BackdropClick = false, CloseOnEscapeKey = false, CloseButton = false,
    };

    private readonly string _secret = ApiKeySecret.Generate();
    private readonly IRenderedComponent<MudDialogProvider> _provider;

    public RevealKeyDialogTests() => _provider = RenderDialogProvider();

    private Task<IDialogReference> OpenAsync() =>
        ShowAsync(_provider, "Your new API key", new DialogParameters<RevealKeyDialog>
        {
            { d => d.Secret, _secret },
            { d => d.KeyName, "quickbooks-sync" },
            { d => d.BaseUrl, BaseUrl },
        }, PageOptions);

    private static readonly Type FetchResult = typeof(RevealKeyDialog).GetNestedType("FetchResult", BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("RevealKeyDialog no longer has a FetchResult type; update this test's JS set-up.");

    /// <summary>
    /// A bUnit handler for the browser helper <c>fieldcamp.getWithKey</c>, called with this secret. The dialog reads
    /// the answer into its own private record, so the handler is made for that type by reflection.
    /// </summary>
    private object SetUpGetWithKey() =>
        typeof(BunitJSInteropSetupExtensions)
            .GetMethod(nameof(BunitJSInteropSetupExtensions.Setup), [typeof(BunitJSInterop), typeof(string), typeof(object[])])!
            .MakeGenericMethod(FetchResult)
            .Invoke(null, [Context.JSInterop, "fieldcamp.getWithKey", new object[] { "api/v1/company-info", _secret }])!;

    /// <summary>Answers as app.js does, <c>{ status, body }</c>, deserialized the way Blazor reads a JS return value.</summary>
    private void AnswerGetWithKey(int status, string body)
    {
        var handler = SetUpGetWithKey();
        var result = JsonSerializer.Deserialize(JsonSerializer.Serialize(new { status, body }, JsonSerializerOptions.Web), FetchResult, JsonSerializerOptions.Web);
        handler.GetType().GetMethod("SetResult")!.Invoke(handler, [result]);
    }

    private void FailGetWithKey(Exception exception)
    {
        var handler = SetUpGetWithKey();
        handler.GetType().GetMethod("SetException")!.MakeGenericMethod(exception.GetType()).Invoke(handler, [exception]);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    /// <summary>The path data of an icon, from a button's SVG or from a MudBlazor icon constant.</summary>
    private static string[] IconPaths(IElement button) => IconPaths(button.QuerySelector("svg")!.InnerHtml);

    private static string[] IconPaths(string svg) => [.. Regex.Matches(svg, "<path[^>]* d=\"([^\"]+)\"").Select(m => m.Groups[1].Value)];

    /// <summary>What the polite live region beside a copy button says to screen readers.</summary>
    private static string StatusNextTo(IElement button)
    {
        var status = button.ParentElement!;
        while (status.QuerySelector("[role=status]") is null) status = status.ParentElement!;
        return status.QuerySelector("[role=status]")!.TextContent;
    }

    [Fact]
    public async Task Open_NewKey_ShowsTheWholeSecretAndAQrCode()
    {
        await OpenAsync();

        Assert.Equal(_secret, _provider.ByTestId("revealed-secret").TextContent.Trim());
        var qr = _provider.Find("img[alt='QR code of the key']");
        var src = qr.GetAttribute("src")!;
        Assert.StartsWith("data:image/png;base64,", src);
        var png = Convert.FromBase64String(src["data:image/png;base64,".Length..]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Contains("quickbooks-sync", _provider.Text());
    }

    [Fact]
    public async Task Open_NewKey_LinksTheApiReferenceInANewTabSoTheKeyStaysOnScreen()
    {
        await OpenAsync();

        var link = _provider.ByTestId("api-reference-link");
        Assert.Equal("docs/api", link.GetAttribute("href"));
        Assert.Equal("_blank", link.GetAttribute("target"));
        Assert.Contains("noopener", link.GetAttribute("rel"), StringComparison.Ordinal);
        Assert.Equal("API reference", link.TextContent.Trim());
    }

    [Theory]
    [InlineData("curl · Bearer", "-H \"Authorization: Bearer $FIELDCAMP_API_KEY\"")]
    [InlineData("curl · X-Api-Key", "-H \"X-Api-Key: $FIELDCAMP_API_KEY\"")]
    [InlineData("JavaScript", "Authorization: `Bearer ${process.env.FIELDCAMP_API_KEY}`")]
    [InlineData("Python", "headers={\"X-Api-Key\": os.environ[\"FIELDCAMP_API_KEY\"]}")]
    public async Task Snippet_Chosen_ExportsTheSecretOnceAndCallsWithTheVariable(string title, string call)
    {
        await OpenAsync();

        await _provider.ClickAsync(title);

        _provider.WaitForAssertion(() => Assert.Equal("true", _provider.Button(title).GetAttribute("aria-pressed")));
        var lines = _provider.ByTestId("snippet").TextContent.Split('\n');
        Assert.Matches($"^export FIELDCAMP_API_KEY={_secret}( |$)", lines[0]);
        Assert.All(lines.Skip(1), line => Assert.DoesNotContain(_secret, line));
        var code = string.Join('\n', lines.Skip(1));
        Assert.Contains(call, code);
        Assert.Contains("https://console.acme.test", code);
    }

    [Fact]
    public async Task SnippetChooser_Open_OneChoicePerClientTheFirstPressed()
    {
        await OpenAsync();

        var chooser = _provider.Find("[role=group][aria-label='Snippet']");
        var choices = chooser.QuerySelectorAll("button");
        Assert.Equal(["curl · Bearer", "curl · X-Api-Key", "JavaScript", "Python"], choices.Select(c => c.TextContent.Trim()));
        Assert.Equal(["true", "false", "false", "false"], choices.Select(c => c.GetAttribute("aria-pressed")));
        Assert.NotNull(_provider.Find("button[aria-label='Copy curl · Bearer snippet']"));
    }

    [Theory]
    [InlineData("curl · Bearer")]
    [InlineData("curl · X-Api-Key")]
    [InlineData("JavaScript")]
    [InlineData("Python")]
    public async Task CopySnippet_Pressed_CopiesThatSnippetAndConfirmsInPlace(string title)
    {
        await OpenAsync();
        await _provider.ClickAsync(title);
        var copy = $"button[aria-label='Copy {title} snippet']";
        _provider.WaitForElement(copy);

        // The press lasts as long as the check shows: look while it does.
        var press = _provider.ActAsync(p => p.Find(copy), e => e.ClickAsync(new MouseEventArgs()));

        _provider.WaitForAssertion(() =>
        {
            Assert.Equal(IconPaths(Icons.Material.Filled.Check), IconPaths(_provider.Find(copy)));
            Assert.Equal("Copied", StatusNextTo(_provider.Find(copy)));
        });
        var copied = Assert.Single(Context.JSInterop.Invocations["fieldcamp.copyText"]);
        Assert.Equal(_provider.ByTestId("snippet").TextContent, copied.Arguments[0]);
        Assert.Matches($"^export FIELDCAMP_API_KEY={_secret}( |\n)", (string)copied.Arguments[0]!);
        await press;
    }

    [Fact]
    public async Task CopyKey_Pressed_CopiesTheSecretShowsACheckThenTheCopyIconAgain()
    {
        await OpenAsync();
        const string copy = "button[aria-label='Copy key']";
        Assert.Equal(IconPaths(Icons.Material.Outlined.ContentCopy), IconPaths(_provider.Find(copy)));
        Assert.Equal("", StatusNextTo(_provider.Find(copy)));

        var press = _provider.ActAsync(p => p.Find(copy), e => e.ClickAsync(new MouseEventArgs()));

        _provider.WaitForAssertion(() =>
        {
            Assert.Equal(IconPaths(Icons.Material.Filled.Check), IconPaths(_provider.Find(copy)));
            Assert.Equal("Copied", StatusNextTo(_provider.Find(copy)));
        });
        Assert.Equal(_secret, Assert.Single(Context.JSInterop.Invocations["fieldcamp.copyText"]).Arguments[0]);
        // The check stays for about two seconds, then the button is ready to copy again.
        await press.WaitAsync(TimeSpan.FromSeconds(10));
        _provider.WaitForAssertion(() =>
        {
            Assert.Equal(IconPaths(Icons.Material.Outlined.ContentCopy), IconPaths(_provider.Find(copy)));
            Assert.Equal("", StatusNextTo(_provider.Find(copy)));
        });
    }

    [Fact]
    public async Task CopyKey_BrowserRefusesTheClipboard_SaysSoAndTheDialogStays()
    {
        Context.JSInterop.SetupVoid("fieldcamp.copyText", _ => true).SetException(new JSException("NotAllowedError: Write permission denied."));
        await OpenAsync();

        var press = _provider.ActAsync(p => p.Find("button[aria-label='Copy key']"), e => e.ClickAsync(new MouseEventArgs()));

        _provider.WaitForAssertion(() => Assert.Equal("Could not copy. Select the text and copy it yourself.",
            StatusNextTo(_provider.Find("button[aria-label='Copy key']"))));
        await press;
        Assert.Equal(_secret, _provider.ByTestId("revealed-secret").TextContent.Trim());
    }

    [Fact]
    public async Task Open_PageOptions_HasNoCloseButtonAndIgnoresBackdropAndEscape()
    {
        var reference = await OpenAsync();

        Assert.Empty(_provider.FindAll("button[aria-label='Close']"));
        Assert.Equal(["Copy key", "curl · Bearer", "curl · X-Api-Key", "JavaScript", "Python", "Copy curl · Bearer snippet", "Test key", "Done"],
            _provider.FindAll("button").Select(b => b.GetAttribute("aria-label") ?? b.TextContent.Trim()));
        await ClickBackdropAsync(_provider);
        await PressEscapeAsync(_provider);

        Assert.False(reference.Result.IsCompleted);
        Assert.Equal(_secret, _provider.ByTestId("revealed-secret").TextContent.Trim());
    }

    [Fact]
    public async Task Done_BeforeConfirmingStorage_IsDisabled()
    {
        var reference = await OpenAsync();

        Assert.True(_provider.Button("Done").IsDisabled());

        await _provider.TickAsync("I have stored this key in a safe place", true);
        Assert.False(_provider.Button("Done").IsDisabled());
        await _provider.TickAsync("I have stored this key in a safe place", false);
        Assert.True(_provider.Button("Done").IsDisabled());
        Assert.False(reference.Result.IsCompleted);
    }

    [Fact]
    public async Task Done_AfterConfirmingStorage_ClosesAndTheSecretIsGone()
    {
        var reference = await OpenAsync();
        await _provider.TickAsync("I have stored this key in a safe place", true);

        await _provider.ClickAsync("Done");

        var result = await reference.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(result!.Canceled);
        _provider.WaitForAssertion(() => Assert.DoesNotContain(_secret, _provider.Markup));
        Assert.DoesNotContain("QR code of the key", _provider.Markup);
    }

    [Fact]
    public async Task TestKey_ApiAnswers200_ShowsCompanyBranchAndScopes()
    {
        AnswerGetWithKey(200, Json(new CompanyInfoResponse(
            new CompanyDto("co_1", "acme", "Acme Field Services"),
            new BranchDto("br_1", "North"),
            new CredentialDto("api_key", "key_1", "quickbooks-sync", ["clients:read", "invoices:read"], null))));
        await OpenAsync();

        await _provider.ClickAsync("Test key");

        _provider.WaitForAssertion(() =>
        {
            var text = _provider.ByTestId("test-key-result").TextContent;
            Assert.Contains("200 OK", text);
            Assert.Contains("Acme Field Services", text);
            Assert.Contains("branch North", text);
            Assert.Contains("scopes clients:read, invoices:read", text);
        });
        Context.JSInterop.VerifyInvoke("fieldcamp.getWithKey");
    }

    [Fact]
    public async Task TestKey_ApiAnswers401_ShowsTheProblemDetail()
    {
        AnswerGetWithKey(401, Json(ApiProblems.Unauthorized(AuthFailureCodes.KeyRevoked)));
        await OpenAsync();

        await _provider.ClickAsync("Test key");

        _provider.WaitForAssertion(() => Assert.Equal("401 · This API key was revoked and can no longer be used.",
            _provider.ByTestId("test-key-result").TextContent.Trim()));
    }

    [Fact]
    public async Task TestKey_BrowserCannotReachApi_SaysSo()
    {
        FailGetWithKey(new JSException("TypeError: Failed to fetch"));
        await OpenAsync();

        await _provider.ClickAsync("Test key");

        _provider.WaitForAssertion(() => Assert.Equal("The browser could not reach the API.",
            _provider.ByTestId("test-key-result").TextContent.Trim()));
        Assert.False(_provider.Button("Test key").IsDisabled());
    }

    // A proxy in front of the app (nginx, a load balancer) answers 502/504 with an HTML page; parsing that as JSON used
    // to throw out of the click handler, which ends a Blazor Server circuit.
    [Fact]
    public async Task TestKey_ProxyAnswersHtml_ShowsTheStatusInsteadOfFailing()
    {
        AnswerGetWithKey(502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
        await OpenAsync();

        await _provider.ClickAsync("Test key");

        _provider.WaitForAssertion(() => Assert.StartsWith("502", _provider.ByTestId("test-key-result").TextContent.Trim()));
    }
}
