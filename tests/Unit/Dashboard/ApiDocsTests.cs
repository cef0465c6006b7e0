using FieldCamp.Web.Dashboard;

namespace FieldCamp.Tests.Unit.Dashboard;

/// <summary>The dashboard's API docs: the README's "Using the API" section, with this server's address in its examples.</summary>
public sealed class ApiDocsTests
{
    [Fact]
    public void For_ServerAddress_ExamplesCallThisServer()
    {
        var html = ApiDocs.For("https://keys.example.com/");

        Assert.Contains("curl https://keys.example.com/api/v1/company-info", html, StringComparison.Ordinal);
        Assert.DoesNotContain("localhost:5080", html, StringComparison.Ordinal);
    }

    [Fact]
    public void For_Always_IsTheApiSectionOnly()
    {
        var html = ApiDocs.For("http://localhost:5080/");

        Assert.Contains("<strong>Legacy tokens.</strong>", html, StringComparison.Ordinal);
        Assert.Contains("insufficient_scope", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Command line", html, StringComparison.Ordinal);
        Assert.DoesNotContain("## ", html, StringComparison.Ordinal);
    }

    [Fact]
    public void For_AddressWithMarkup_IsEncoded()
    {
        var html = ApiDocs.For("http://a<b>/");

        Assert.Contains("http://a&lt;b&gt;/api/v1/company-info", html, StringComparison.Ordinal);
        Assert.DoesNotContain("a<b>", html, StringComparison.Ordinal);
    }
}
