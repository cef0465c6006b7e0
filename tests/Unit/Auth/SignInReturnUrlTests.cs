using FieldCamp.Web.Auth;

namespace FieldCamp.Tests.Unit.Auth;

public class SignInReturnUrlTests
{
    [Theory]
    [InlineData("/settings/team")]
    [InlineData("/settings/developer/api-keys/key_123?tab=activity#scopes")]
    [InlineData("/search?q=caf%C3%A9")]
    [InlineData("/")]
    public void Resolve_PlainLocalPath_IsKept(string url) => Assert.Equal(url, SignInReturnUrl.Resolve(url));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/café")]
    [InlineData("/\u00e9t\u00e9")]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/settings")]
    [InlineData("/\\evil.example")]
    [InlineData("/settings\\..\\x")]
    [InlineData("https://evil.example/")]
    [InlineData("http:/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("settings/team")]
    [InlineData("/ settings")]
    [InlineData("/settings\r\nSet-Cookie: x=1")]
    [InlineData("/settings\t")]
    public void Resolve_AnythingElse_TheDefaultPage(string? url) =>
        Assert.Equal(SignInReturnUrl.Default, SignInReturnUrl.Resolve(url));
}
