using System.Net;
using System.Text;
using FieldCamp.Web.Auth;
using Microsoft.Data.Sqlite;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// A key or token pasted where it does not belong (the address, the query, the user agent) is redacted before the
/// request log counts it: it never reaches SQLite, <c>/activity</c> or the audit trail.
/// </summary>
public class RequestLogRedactionTests(AppFactory app) : IClassFixture<AppFactory>
{
    private static readonly TimeSpan Visible = TimeSpan.FromSeconds(30);

    // Shaped like a token (three base64url parts, a JSON header): redacted whether or not it is valid.
    private const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsZWFrZWQifQ.c2lnbmF0dXJlLW9mLWEtbGVha2VkLXRva2Vu";

    [Theory]
    [InlineData("/api/v1/clients/fc_live_abc123XYZ", "/api/v1/clients/[redacted]")]
    [InlineData("curl/8.5 " + Jwt, "curl/8.5 [redacted]")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.7000.12 Safari/537.36", "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.7000.12 Safari/537.36")]
    [InlineData("/api/v1/jobs/job_01J9", "/api/v1/jobs/job_01J9")]
    public void Redact_KeysAndTokensOnly(string text, string expected) => Assert.Equal(expected, SecretText.Redact(text));

    [Fact]
    public async Task KeyPastedIntoTheAddressAndUserAgent_NeverStoredNorShown()
    {
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        var leaked = await app.CreateKeyAsync();
        using var adminClient = app.CreateClient(admin.Secret);
        using var client = app.CreateClient(admin.Secret);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", $"deploy-script/1.0 (token {Jwt}; key {leaked.Secret})");

        await client.GetAsync($"/api/v1/clients/{leaked.Secret}?api_key={leaked.Secret}").ExpectAsync(HttpStatusCode.NotFound);
        // A write, so the audit trail records the client too.
        var created = await client.PostAsync("/api/v1/api-keys", Http.Json(new { name = AppFactory.UniqueName(), scopes = new[] { "clients:read" } }))
            .ExpectAsync(HttpStatusCode.Created);

        var activity = "";
        await Http.EventuallyAsync(async () =>
        {
            using var response = await adminClient.GetAsync($"/api/v1/api-keys/{admin.Id}/activity");
            activity = await response.Content.ReadAsStringAsync();
            return activity.Contains("/api/v1/clients/[redacted]", StringComparison.Ordinal);
        }, Visible, "the request with the pasted key in the activity, redacted");
        var audit = await (await adminClient.GetAsync("/api/v1/audit-events")).Content.ReadAsStringAsync();
        Assert.Contains(created.GetProperty("id").GetString()!, audit);

        foreach (var shown in new[] { activity, audit })
        {
            Assert.DoesNotContain(leaked.Secret, shown);
            Assert.DoesNotContain(Jwt, shown);
        }
        Assert.Contains("deploy-script/1.0 (token [redacted]; key [redacted])", activity);
        Assert.Contains("deploy-script/1.0 (token [redacted]; key [redacted])", audit);

        var stored = await app.StoredTextAsync();
        Assert.DoesNotContain(leaked.Secret, stored);
        Assert.DoesNotContain(Jwt, stored);
    }

    // The key from the attack review, 22 + 27 characters after the prefix, split by "/".
    private const string SplitHead = "fc_live_m5QL2xvV1rTBZP0Fhhan95";
    private const string SplitTail = "ddapEwWOTxE2LwhmyoC5T1sXBWC";

    [Theory]
    [InlineData("/api/v1/clients/" + SplitHead + "/" + SplitTail, "/api/v1/clients/[redacted]")]
    [InlineData("/api/v1/clients/" + SplitHead + "/" + SplitTail + "/activity", "/api/v1/clients/[redacted]/activity")]
    [InlineData("/api/v1/clients/fc_live_m5QL2/xvV1r-TBZP0.Fhhan95%2Fdd apEwWOTxE2LwhmyoC5T1sXBWC", "/api/v1/clients/[redacted]")]
    [InlineData("agent (key " + SplitHead + SplitTail + ")", "agent (key [redacted])")]
    public void Redact_KeySplitBySeparators_NoCharacterOfItSurvives(string text, string expected) =>
        Assert.Equal(expected, SecretText.Redact(text));

    [Fact]
    public void Redact_WholeKeyBetweenSegments_OnlyTheKeyGoes() =>
        Assert.Equal("/x/[redacted]/y", SecretText.Redact($"/x/{FieldCamp.Domain.ApiKeys.ApiKeySecret.Generate()}/y"));

    [Fact]
    public async Task KeySplitBySlashInTheAddress_NoPartOfItInActivity()
    {
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        var leaked = await app.CreateKeyAsync();
        using var client = app.CreateClient(admin.Secret);
        var head = leaked.Secret[..30];
        var tail = leaked.Secret[30..];

        await client.GetAsync($"/api/v1/clients/{head}/{tail}").ExpectAsync(HttpStatusCode.NotFound);

        var activity = "";
        await Http.EventuallyAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/v1/api-keys/{admin.Id}/activity");
            activity = await response.Content.ReadAsStringAsync();
            return activity.Contains("/api/v1/clients/[redacted]", StringComparison.Ordinal);
        }, Visible, "the request with the split key in the activity, redacted");
        Assert.DoesNotContain(tail, activity);
        Assert.DoesNotContain(head["fc_live_".Length..], activity);
        Assert.DoesNotContain(tail, await app.StoredTextAsync());
    }

    [Theory]
    [InlineData("/api/v1/clients/whsec_MfKQ9r+a/Zt0LkX1c2v3b4n5m6QwErTyUiOp7a8s9d0=", "/api/v1/clients/[redacted]")]
    [InlineData("/api/v1/clients/whsec_MfKQ9r+a/Zt0LkX1c2v3b4n5m6QwErTyUiOp7a8s9d0=/activity", "/api/v1/clients/[redacted]/activity")]
    [InlineData("/x/whsec_MfKQ9r%2Ba%2FZt0LkX1c2v3b4n5m6QwErTyUiOp7a8s9d0%3D/y", "/x/[redacted]/y")]
    [InlineData("hook-tester/2 (secret WHSEC_MfKQ9r+a/Zt0LkX1c2v3b4n5m6QwErTyUiOp7a8s9d0=)", "hook-tester/2 (secret [redacted])")]
    [InlineData("/api/v1/webhooks/whk_01J9/rotate-secret", "/api/v1/webhooks/whk_01J9/rotate-secret")]
    public void Redact_WebhookSigningSecrets(string text, string expected) => Assert.Equal(expected, SecretText.Redact(text));

    [Fact]
    public async Task WebhookSecretPastedIntoTheAddressAndUserAgent_NeverStoredNorShown()
    {
        var admin = await app.CreateKeyAsync(scopes: ["*"]);
        // One with the two base64 characters that are not letters or digits, as about every other secret has.
        var leaked = FieldCamp.Web.Webhooks.WebhookSecrets.New();
        while (!leaked.Contains('+') || !leaked.Contains('/')) leaked = FieldCamp.Web.Webhooks.WebhookSecrets.New();
        using var client = app.CreateClient(admin.Secret);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", $"hook-tester/2 (secret {leaked})");

        // As typed, and percent-encoded ("%2B", "%2F", "%3D"), as a URL builder would send it.
        (await client.GetAsync($"/api/v1/clients/{leaked}")).Dispose();
        (await client.GetAsync($"/api/v1/jobs/{Uri.EscapeDataString(leaked)}")).Dispose();

        var activity = "";
        await Http.EventuallyAsync(async () =>
        {
            using var response = await client.GetAsync($"/api/v1/api-keys/{admin.Id}/activity");
            activity = await response.Content.ReadAsStringAsync();
            return activity.Contains("hook-tester/2 (secret [redacted])", StringComparison.Ordinal)
                   && activity.Contains("/api/v1/clients/[redacted]", StringComparison.Ordinal)
                   && activity.Contains("/api/v1/jobs/[redacted]", StringComparison.Ordinal);
        }, Visible, "both requests with the pasted secret in the activity, redacted");
        var stored = await app.StoredTextAsync();
        foreach (var shown in new[] { activity, stored })
        {
            // Not the secret, and not its base64 either, in whatever piece the path split it into.
            foreach (var piece in leaked["whsec_".Length..].Split('/').Where(p => p.Length >= 8))
                Assert.DoesNotContain(piece, shown);
            Assert.DoesNotContain("%2B", shown, StringComparison.OrdinalIgnoreCase);
        }
    }
}
