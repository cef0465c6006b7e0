using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.SecretScanning;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Incidents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FieldCamp.Web.Api;

/// <summary>One entry of GitHub's feedback: which token (by its SHA-256, never itself), and whether it was a live key.</summary>
public sealed record SecretScanningLabel(
    [property: JsonPropertyName("token_hash")] string TokenHash,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("label")] string Label)
{
    public const string TruePositive = "true_positive";
    public const string FalsePositive = "false_positive";
}

/// <summary>
/// <c>POST /api/v1/secret-scanning/github</c>: leak reports in GitHub's secret scanning partner format. Not an API key
/// endpoint: GitHub proves itself by signing the raw body with a configured key. A live key in a report is revoked at once
/// and an incident opened; the answer labels each token by its hash. A report that fails any check changes nothing.
/// </summary>
internal static class SecretScanningEndpoints
{
    public const string Path = "/api/v1/secret-scanning/github";
    public const string IdentifierHeader = "Github-Public-Key-Identifier";
    public const string SignatureHeader = "Github-Public-Key-Signature";
    private const string DefaultTokenType = "fieldcamp_api_key";
    private const int MaxTokenTypeLength = 100;

    public static IEndpointRouteBuilder MapSecretScanningEndpoints(this IEndpointRouteBuilder app)
    {
        // Anonymous as far as API keys go: the report proves itself with its signature, checked below.
        app.MapPost(Path, ReceiveGitHubReport).AllowAnonymous().WithTags("Secret scanning").WithName(nameof(ReceiveGitHubReport))
            .WithSummary("GitHub secret scanning partner reports: live keys found in public are revoked.");
        return app;
    }

    public static async Task<Results<Ok<List<SecretScanningLabel>>, ProblemHttpResult, ValidationProblem>> ReceiveGitHubReport(
        HttpContext http, GitHubSecretScanning scanning, KnownDigests known, IncidentManager incidents, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        // Switched off (no trusted key configured): said as it is, not as a missing record.
        if (!scanning.IsEnabled)
            return TypedResults.Problem(ApiProblems.Create(StatusCodes.Status404NotFound, ProblemCodes.NotFound,
                "Secret scanning reports are not enabled on this server."));

        var body = await ReadBodyAsync(http.Request, cancellationToken);
        if (body is null) return BodyProblem($"The report must be at most {GitHubSecretScanning.MaxBodyBytes / 1024} KB.");

        var request = http.Request;
        var check = scanning.Verifier.Verify(request.Headers[IdentifierHeader].ToString(), request.Headers[SignatureHeader].ToString(), body);
        if (check != SignatureCheck.Valid)
            return TypedResults.Problem(ApiProblems.Create(StatusCodes.Status401Unauthorized, "invalid_signature", check switch
            {
                SignatureCheck.Missing => $"Sign the raw body and send the {IdentifierHeader} and {SignatureHeader} headers (base64 DER).",
                SignatureCheck.UnknownKey => $"No trusted public key has that {IdentifierHeader}.",
                _ => "The signature does not match the body.",
            }));

        // Only signed reports count against the limit: unsigned requests, which anyone can send, must not use up the
        // allowance and keep the scanner's real reports (and their revokes) out.
        if (!scanning.TryAcquire())
        {
            http.Response.Headers.RetryAfter = "60";
            return TypedResults.Problem(ApiProblems.Create(StatusCodes.Status429TooManyRequests, "rate_limited",
                "Too many secret scanning reports this minute. Retry after 60 seconds."));
        }

        if (!TryParse(body, out var reports, out var problem)) return BodyProblem(problem);

        var labels = new List<SecretScanningLabel>(reports.Count);
        var decided = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            if (!decided.TryGetValue(report.Token, out var label))
            {
                label = await LabelAsync(report, known, incidents, cancellationToken);
                decided[report.Token] = label;
            }
            labels.Add(new SecretScanningLabel(TokenHash(report.Token), report.Type, label));
        }
        loggers.CreateLogger(typeof(SecretScanningEndpoints)).LogInformation(
            "Secret scanning report with {Tokens} tokens: {Revoked} live keys revoked", labels.Count,
            decided.Values.Count(l => l == SecretScanningLabel.TruePositive));
        return TypedResults.Ok(labels);
    }

    /// <summary>
    /// A token that is not one of ours by shape and checksum, or whose digest no key has, is a false positive without a
    /// database read: a scanner may send anything that looks like a key, as often as it likes.
    /// </summary>
    private static async Task<string> LabelAsync(Report report, KnownDigests known, IncidentManager incidents, CancellationToken cancellationToken)
    {
        if (!ApiKeySecret.IsWellFormed(report.Token)) return SecretScanningLabel.FalsePositive;
        var digest = ApiKeySecret.ComputeDigest(report.Token);
        if (!await known.MayExistAsync(digest)) return SecretScanningLabel.FalsePositive;
        bool revoked;
        try
        {
            revoked = await incidents.ReportFoundAsync(digest, report.Url, cancellationToken);
        }
        catch (DomainException)
        {
            // The key changed at the same moment (an edit, a revoke): read it again and decide once more.
            revoked = await incidents.ReportFoundAsync(digest, report.Url, cancellationToken);
        }
        return revoked ? SecretScanningLabel.TruePositive : SecretScanningLabel.FalsePositive;
    }

    private static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static ValidationProblem BodyProblem(string message) =>
        ApiProblems.Validation(new Dictionary<string, string[]> { ["body"] = [message] });

    /// <summary>The raw body, or null when it is larger than allowed (read no further than one byte past the limit).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        const int limit = GitHubSecretScanning.MaxBodyBytes;
        if (request.ContentLength > limit) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private sealed record Report(string Token, string Type, string? Url);

    private static bool TryParse(byte[] body, out List<Report> reports, out string problem)
    {
        reports = [];
        problem = "";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            problem = "The report is not valid JSON.";
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                problem = "The report must be a JSON array of { token, type, url, source }.";
                return false;
            }
            if (root.GetArrayLength() > GitHubSecretScanning.MaxTokens)
            {
                problem = $"A report may hold at most {GitHubSecretScanning.MaxTokens} tokens.";
                return false;
            }
            var index = 0;
            foreach (var item in root.EnumerateArray())
            {
                // Messages name the position, never the value: the value may be a live secret.
                if (item.ValueKind != JsonValueKind.Object
                    || !item.TryGetProperty("token", out var token) || token.ValueKind != JsonValueKind.String || token.GetString() is not { Length: > 0 } text
                    || !OptionalString(item, "type", out var type) || !OptionalString(item, "url", out var url) || !OptionalString(item, "source", out _))
                {
                    problem = $"Entry {index} must be an object with a non-empty string \"token\" (and \"type\", \"url\", \"source\" as strings when present).";
                    return false;
                }
                reports.Add(new Report(text, string.IsNullOrEmpty(type) ? DefaultTokenType : type.Length > MaxTokenTypeLength ? type[..MaxTokenTypeLength] : type, url));
                index++;
            }
        }
        return true;
    }

    private static bool OptionalString(JsonElement item, string name, out string? value)
    {
        value = null;
        if (!item.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null) return true;
        if (element.ValueKind != JsonValueKind.String) return false;
        value = element.GetString();
        return true;
    }
}
