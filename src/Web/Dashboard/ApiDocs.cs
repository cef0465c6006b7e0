using System.Net;
using Markdig;

namespace FieldCamp.Web.Dashboard;

/// <summary>
/// The API guide people read in the dashboard: the README's "Using the API" section (built into the app), as HTML.
/// One text serves the repository and the app, so they cannot drift apart.
/// </summary>
public static class ApiDocs
{
    public const string Url = "docs/guide";

    /// <summary>The interactive reference generated from the API itself (a page of its own, outside the dashboard).</summary>
    public const string ReferenceUrl = "docs/api";

    private const string FirstHeading = "## Using the API";

    /// <summary>Where the README's examples send their requests: the address its set-up command starts the app on.</summary>
    private const string ReadmeAddress = "http://localhost:5080";

    private static readonly Lazy<string> Section = new(() => Markdown.ToHtml(ReadSection(),
        new MarkdownPipelineBuilder().UseAdvancedExtensions().Build()));

    /// <summary>The section with the README's example address replaced by this server's own (encoded: it goes into HTML).</summary>
    public static string For(string baseUri) =>
        Section.Value.Replace(ReadmeAddress, WebUtility.HtmlEncode(baseUri.TrimEnd('/')), StringComparison.Ordinal);

    private static string ReadSection()
    {
        using var stream = typeof(ApiDocs).Assembly.GetManifestResourceStream("FieldCamp.README.md")
            ?? throw new InvalidOperationException("README.md is not embedded in the app.");
        var readme = new StreamReader(stream).ReadToEnd();
        var start = readme.IndexOf(FirstHeading, StringComparison.Ordinal);
        var end = readme.IndexOf("\n## ", start + FirstHeading.Length, StringComparison.Ordinal);
        // The section's own heading becomes the page's h1; its subsections follow it.
        return readme[(start + FirstHeading.Length)..(end < 0 ? readme.Length : end)];
    }
}
