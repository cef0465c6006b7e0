using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using FieldCamp.Domain.Notices;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>The app with GitHub's (test) public key trusted, and that key's private half to sign reports with.</summary>
public sealed class SecretScanningApp : IDisposable
{
    public const string KeyId = "github-test-key-1";

    public SecretScanningApp()
    {
        App = new AppFactory { LogEverything = true };
        App.Settings["SecretScanning:GitHub:PublicKeys:0:Identifier"] = KeyId;
        App.Settings["SecretScanning:GitHub:PublicKeys:0:Pem"] = GitHub.ExportSubjectPublicKeyInfoPem();
    }

    public AppFactory App { get; }
    public ECDsa GitHub { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        App.Dispose();
        GitHub.Dispose();
    }
}

/// <summary>
/// <c>POST /api/v1/secret-scanning/github</c> end to end, signed the way GitHub signs: a live key in a report is revoked
/// at once, its incident opened with the URL and its company's admins notified; anything else is a false positive, and
/// a report that fails a check changes nothing.
/// </summary>
public class SecretScanningTests(SecretScanningApp scanning) : IClassFixture<SecretScanningApp>
{
    private const string Endpoint = "/api/v1/secret-scanning/github";
    private AppFactory App => scanning.App;

    private static string Report(params (string Token, string? Url)[] tokens) =>
        JsonSerializer.Serialize(tokens.Select(t => new { token = t.Token, type = "fieldcamp_api_key", url = t.Url, source = "content" }));

    private Task<HttpResponseMessage> PostAsync(string body, string? keyId = SecretScanningApp.KeyId, ECDsa? signer = null, string? signature = null,
        byte[]? signedBytes = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var client = App.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        if (keyId is not null) request.Headers.TryAddWithoutValidation("Github-Public-Key-Identifier", keyId);
        signature ??= Convert.ToBase64String((signer ?? scanning.GitHub).SignData(signedBytes ?? bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        if (signature.Length > 0) request.Headers.TryAddWithoutValidation("Github-Public-Key-Signature", signature);
        return client.SendAsync(request);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private async Task<(bool Revoked, int Incidents, int Notices)> StateAsync(string keyId)
    {
        await using var db = await App.CreateDbContextAsync();
        var key = await db.ApiKeys.SingleAsync(k => k.Id == keyId);
        return (key.RevokedAt is not null, await db.Incidents.CountAsync(i => i.ApiKeyId == keyId), await db.Notices.CountAsync(n => n.ApiKeyId == keyId));
    }

    [Fact]
    public async Task Report_LiveKey_RevokedWithIncidentAndNotice()
    {
        var key = await App.CreateKeyAsync(scopes: ["jobs:read"]);
        using var integration = App.CreateClient(key.Secret);
        await integration.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK); // cached as valid before the report
        const string url = "https://github.com/someone/repo/blob/abc123/.env";

        var labels = await PostAsync(Report((key.Secret, url))).ExpectAsync(HttpStatusCode.OK);

        var label = Assert.Single(labels.EnumerateArray());
        Assert.Equal(Hash(key.Secret), label.GetProperty("token_hash").GetString());
        Assert.Equal("fieldcamp_api_key", label.GetProperty("token_type").GetString());
        Assert.Equal("true_positive", label.GetProperty("label").GetString());
        Assert.DoesNotContain(key.Secret, labels.GetRawText());

        // The very next request is refused: the cached credential was evicted with the revoke.
        await integration.GetAsync("/api/v1/jobs").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");

        await using var db = await App.CreateDbContextAsync();
        var revoked = await db.ApiKeys.SingleAsync(k => k.Id == key.Id);
        Assert.Equal(("secret scanning", ActorType.System), (revoked.RevokedBy!.Name, revoked.RevokedBy.Type));
        var incident = await db.Incidents.SingleAsync(i => i.ApiKeyId == key.Id);
        Assert.Equal((IncidentSource.SecretScanning, url, IncidentStep.ReviewActivity), (incident.Source, incident.ReportedUrl, incident.Step));
        Assert.Equal("secret scanning", incident.ReportedBy.Name);
        var notice = await db.Notices.SingleAsync(n => n.ApiKeyId == key.Id);
        Assert.Equal((NoticeKind.LeakReported, $"leak:{incident.Id}", key.CompanyId), (notice.Kind, notice.DedupKey, notice.CompanyId));
        Assert.Contains(url, notice.Message);
        var audit = await db.AuditEvents.Where(e => e.ApiKeyId == key.Id).Select(e => e.Type).ToListAsync();
        Assert.Contains(AuditEventType.ApiKeyRevoked, audit);
        Assert.Contains(AuditEventType.IncidentOpened, audit);
    }

    [Fact]
    public async Task Report_UnknownBadChecksumRevokedAndExpired_FalsePositivesAndNothingChanges()
    {
        var revoked = await App.CreateKeyAsync();
        await using (var db = await App.CreateDbContextAsync())
        {
            var key = await db.ApiKeys.SingleAsync(k => k.Id == revoked.Id);
            key.Revoke(Actor.Operator("tests"), DateTime.UtcNow);
            await db.SaveChangesAsync();
        }
        var (expiredKey, expiredSecret) = ApiKey.Create(revoked.CompanyId, revoked.BranchId,
            new NewApiKey(AppFactory.UniqueName(), ["jobs:read"], DateTime.UtcNow.AddDays(-1)), Actor.Operator("tests"), DateTime.UtcNow.AddDays(-30));
        await App.SaveKeyAsync(expiredKey);
        var unknown = ApiKeySecret.Generate();
        var badChecksum = unknown[..^1] + (unknown[^1] == 'a' ? 'b' : 'a');
        var tokens = new[] { unknown, badChecksum, revoked.Secret, expiredSecret, "ghp_notours", unknown };

        var labels = await PostAsync(Report([.. tokens.Select(t => (t, (string?)"https://gist.github.com/x"))])).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(tokens.Select(Hash), labels.EnumerateArray().Select(l => l.GetProperty("token_hash").GetString()));
        Assert.All(labels.EnumerateArray(), l => Assert.Equal("false_positive", l.GetProperty("label").GetString()));
        Assert.Equal((true, 0, 0), await StateAsync(revoked.Id));
        Assert.Equal((false, 0, 0), await StateAsync(expiredKey.Id));
        foreach (var token in tokens) Assert.DoesNotContain(token, labels.GetRawText());
    }

    [Fact]
    public async Task Report_UnknownWellFormedToken_NoKeyLookup()
    {
        var commands = new List<string>();
        var app = new AppFactory();
        app.Settings["SecretScanning:GitHub:PublicKeys:0:Identifier"] = SecretScanningApp.KeyId;
        app.Settings["SecretScanning:GitHub:PublicKeys:0:Pem"] = scanning.GitHub.ExportSubjectPublicKeyInfoPem();
        app.DbInterceptors.Add(new CommandLog(commands));
        try
        {
            await app.CreateKeyAsync(); // the known-digest set is loaded
            var body = Report((ApiKeySecret.Generate(), null), (ApiKeySecret.Generate(), null));
            var bytes = Encoding.UTF8.GetBytes(body);
            using var client = app.CreateClient();
            using var warm = new HttpRequestMessage(HttpMethod.Get, "/health");
            await client.SendAsync(warm);
            commands.Clear();

            using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(bytes) };
            request.Headers.TryAddWithoutValidation("Github-Public-Key-Identifier", SecretScanningApp.KeyId);
            request.Headers.TryAddWithoutValidation("Github-Public-Key-Signature",
                Convert.ToBase64String(scanning.GitHub.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
            var labels = await (await client.SendAsync(request)).ExpectAsync(HttpStatusCode.OK);

            Assert.All(labels.EnumerateArray(), l => Assert.Equal("false_positive", l.GetProperty("label").GetString()));
            // At most the batched lookup of unknown digests (shared with every other miss); never a key's row.
            Assert.DoesNotContain(commands, c => c.Contains("JOIN \"Branches\"", StringComparison.Ordinal));
            Assert.DoesNotContain(commands, c => c.Contains("Incidents", StringComparison.Ordinal));
        }
        finally
        {
            app.Dispose();
        }
    }

    [Fact]
    public async Task Report_BadSignatures_401AndNothingChanges()
    {
        var key = await App.CreateKeyAsync();
        var body = Report((key.Secret, null));
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        await PostAsync(body, signer: stranger).ExpectInvalidSignatureAsync();
        await PostAsync(body, keyId: "someone-else").ExpectInvalidSignatureAsync();
        await PostAsync(body, keyId: null).ExpectInvalidSignatureAsync();
        await PostAsync(body, signature: "").ExpectInvalidSignatureAsync();
        await PostAsync(body, signature: "!!!").ExpectInvalidSignatureAsync();
        // Signed over another body: GitHub's signature covers these exact bytes, not what they mean.
        await PostAsync(body, signedBytes: Encoding.UTF8.GetBytes(body + " ")).ExpectInvalidSignatureAsync();

        Assert.Equal((false, 0, 0), await StateAsync(key.Id));
        using var integration = App.CreateClient(key.Secret);
        await integration.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("""{"token":"x"}""")]
    [InlineData("""[{"type":"fieldcamp_api_key"}]""")]
    [InlineData("""[{"token":42}]""")]
    [InlineData("""["fc_live_x"]""")]
    [InlineData("""[{"token":"x","url":7}]""")]
    [InlineData("[{")]
    [InlineData("")]
    public async Task Report_Malformed_400(string body) =>
        await PostAsync(body).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

    [Fact]
    public async Task Report_TooManyTokens400_TooBig413_AndNothingChanges()
    {
        var key = await App.CreateKeyAsync();
        var many = Report([.. Enumerable.Repeat((key.Secret, (string?)null), 1001)]);
        await PostAsync(many).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        // Over the API's body limit: refused before the report is read, like any other API body.
        var huge = Report((key.Secret, "https://x/" + new string('a', 1024 * 1024)));
        await PostAsync(huge).ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Equal((false, 0, 0), await StateAsync(key.Id));
    }

    [Fact]
    public async Task Report_WithABadApiKeyHeader_RefusedByTheKeySchemeAndNothingChanges()
    {
        var key = await App.CreateKeyAsync();
        using var client = App.CreateClient("fc_live_invalid");
        await client.PostAsync(Endpoint, Http.RawJson(Report((key.Secret, null)))).ExpectProblemAsync(HttpStatusCode.Unauthorized, "invalid_key");
        Assert.Equal((false, 0, 0), await StateAsync(key.Id));
    }

    [Fact]
    public async Task Report_Logs_NeverHoldTheTokens()
    {
        var key = await App.CreateKeyAsync();
        var unknown = ApiKeySecret.Generate();
        await PostAsync(Report((key.Secret, "https://github.com/a/b"), (unknown, null))).ExpectAsync(HttpStatusCode.OK);
        await PostAsync(Report((key.Secret, null)), keyId: "nobody").ExpectAsync(HttpStatusCode.Unauthorized);
        await PostAsync("[{\"token\":\"" + unknown + "\",\"url\":1}]").ExpectAsync(HttpStatusCode.BadRequest);

        var logs = App.Logs.Entries.ToList();
        Assert.Contains(logs, l => l.Contains("Secret scanning report with 2 tokens"));
        foreach (var secret in new[] { key.Secret, unknown })
            Assert.DoesNotContain(logs, l => l.Contains(secret[8..51], StringComparison.Ordinal));
    }
}

/// <summary>The endpoint with no trusted key configured (the default), and with a tiny rate limit.</summary>
public class SecretScanningConfigurationTests
{
    [Fact]
    public async Task Report_NoTrustedKeys_404SayingReportsAreNotEnabled()
    {
        using var app = new AppFactory();
        using var client = app.CreateClient();
        var problem = await client.PostAsync("/api/v1/secret-scanning/github", Http.RawJson("[]")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Secret scanning reports are not enabled on this server.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Report_SignedReportsOverTheLimit_429_UnsignedFloodsDoNotUseItUp()
    {
        using var github = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var app = new AppFactory();
        app.Settings["SecretScanning:GitHub:PublicKeys:0:Identifier"] = "k";
        app.Settings["SecretScanning:GitHub:PublicKeys:0:Pem"] = github.ExportSubjectPublicKeyInfoPem();
        app.Settings["SecretScanning:GitHub:RequestsPerMinute"] = "2";
        using var client = app.CreateClient();
        HttpRequestMessage Signed()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/secret-scanning/github") { Content = Http.RawJson("[]") };
            request.Headers.TryAddWithoutValidation("Github-Public-Key-Identifier", "k");
            request.Headers.TryAddWithoutValidation("Github-Public-Key-Signature",
                Convert.ToBase64String(github.SignData("[]"u8.ToArray(), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
            return request;
        }

        // Anyone can send unsigned reports: however many, they are refused without touching the scanner's allowance.
        for (var i = 0; i < 5; i++)
            await client.PostAsync("/api/v1/secret-scanning/github", Http.RawJson("[]")).ExpectAsync(HttpStatusCode.Unauthorized);
        await client.SendAsync(Signed()).ExpectAsync(HttpStatusCode.OK);
        await client.SendAsync(Signed()).ExpectAsync(HttpStatusCode.OK);

        var limited = await client.SendAsync(Signed());
        await limited.ExpectProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("60", limited.Headers.GetValues("Retry-After").Single());
    }
}

internal static class SignatureProblems
{
    /// <summary>A 401 problem with code invalid_signature. No Bearer challenge: GitHub signs, it holds no API key.</summary>
    public static async Task ExpectInvalidSignatureAsync(this Task<HttpResponseMessage> response)
    {
        var sent = await response;
        var problem = await sent.ExpectAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("application/problem+json", sent.Content.Headers.ContentType?.MediaType);
        Assert.Equal("invalid_signature", problem.GetProperty("code").GetString());
        Assert.Empty(sent.Headers.WwwAuthenticate);
    }
}

/// <summary>Notes the text of every command the app sends to the database.</summary>
internal sealed class CommandLog(List<string> commands) : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
{
    public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(
        System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
        Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default)
    {
        lock (commands) commands.Add(command.CommandText);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}
