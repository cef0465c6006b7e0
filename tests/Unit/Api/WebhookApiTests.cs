using System.Net;
using System.Text.Json;
using FieldCamp.Domain.Audit;
using FieldCamp.Tests.Unit.Components;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// <c>/api/v1/webhooks</c> through the real pipeline: registering, reading, changing and deleting endpoints with
/// <c>integrations:write</c>; the signing secret only in the create and rotate responses; another tenant's endpoint a
/// 404; every bad address or event list a 400 naming the field; test pings and resends as pending deliveries.
/// </summary>
public class WebhookApiTests(WebhookApiTests.ManagementOnlyApp app) : IClassFixture<WebhookApiTests.ManagementOnlyApp>
{
    private const string Receiver = "https://hooks.example.com/fieldcamp";

    /// <summary>The app without its sender: what these tests queue stays as they left it (delivery has its own tests).</summary>
    public sealed class ManagementOnlyApp : AppFactory
    {
        public ManagementOnlyApp() => Settings["Webhooks:Delivery:Enabled"] = "false";
    }

    private async Task<(TestKey Key, HttpClient Client)> IntegrationAsync(string company = "acme", string? branch = null)
    {
        var key = await app.CreateKeyAsync(company, branch, ["integrations:write"]);
        return (key, app.CreateClient(key.Secret));
    }

    private static async Task<JsonElement> RegisterAsync(HttpClient client, string url = Receiver, string[]? events = null, string? description = null) =>
        await client.PostAsync("/api/v1/webhooks", Http.Json(new { url, events = events ?? ["job.created", "client.created"], description }))
            .ExpectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task Create_Valid_201WithTheSecretOnceAndItIsNeverShownAgain()
    {
        var (_, client) = await IntegrationAsync();

        var response = await client.PostAsync("/api/v1/webhooks",
            Http.Json(new { url = Receiver, events = new[] { "job.created", "client.created" }, description = "CRM sync" }));
        var created = await response.ExpectAsync(HttpStatusCode.Created);

        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whk_", id);
        Assert.StartsWith("whsec_", secret);
        Assert.Equal($"/api/v1/webhooks/{id}", response.Headers.Location?.OriginalString);
        // Events come back in the catalogue's order, whatever order they were sent in.
        Assert.Equal(["client.created", "job.created"], created.GetProperty("events").Strings());
        Assert.Equal("enabled", created.GetProperty("status").GetString());
        Assert.Equal("CRM sync", created.GetProperty("description").GetString());

        var read = await client.GetAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.False(read.TryGetProperty("secret", out _));
        var list = await client.GetAsync("/api/v1/webhooks").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("data").EnumerateArray(), e => e.GetProperty("id").GetString() == id);
        Assert.DoesNotContain(secret, list.GetRawText());
        var patched = await client.PatchAsync($"/api/v1/webhooks/{id}", new { description = "renamed" }).ExpectAsync(HttpStatusCode.OK);
        Assert.False(patched.TryGetProperty("secret", out _));

        // Stored encrypted, and never in the audit trail.
        await using var db = await app.CreateDbContextAsync();
        var stored = await db.WebhookEndpoints.SingleAsync(e => e.Id == id);
        Assert.DoesNotContain(secret[6..], stored.ProtectedSecret);
        var audit = await db.AuditEvents.Where(e => e.Type == AuditEventType.WebhookCreated && e.Subject == Receiver).ToListAsync();
        Assert.NotEmpty(audit);
        Assert.DoesNotContain(audit.SelectMany(e => e.Changes), c => (c.To ?? "").Contains(secret[6..]));
    }

    [Fact]
    public async Task Patch_ThenDelete_ChangesWhatWasSentAndDeleteIs404After()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client, description: "to be cleared")).GetProperty("id").GetString()!;

        var patched = await client.PatchAsync($"/api/v1/webhooks/{id}",
            Http.RawJson("""{"url":"https://other.example.com/in","events":["invoice.updated"],"description":null}""")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("https://other.example.com/in", patched.GetProperty("url").GetString());
        Assert.Equal(["invoice.updated"], patched.GetProperty("events").Strings());
        Assert.True(patched.IsNull("description"));

        // Leaving a field out leaves it alone.
        var disabled = await client.PatchAsync($"/api/v1/webhooks/{id}", new { enabled = false }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("disabled", disabled.GetProperty("status").GetString());
        Assert.Equal(["invoice.updated"], disabled.GetProperty("events").Strings());

        await client.DeleteAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.NoContent);
        await client.GetAsync($"/api/v1/webhooks/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await client.DeleteAsync($"/api/v1/webhooks/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("GET", "/api/v1/webhooks")]
    [InlineData("POST", "/api/v1/webhooks")]
    [InlineData("GET", "/api/v1/webhooks/whk_anything")]
    [InlineData("POST", "/api/v1/webhooks/whk_anything/test")]
    public async Task AnyCall_WithoutIntegrationsWrite_403NamingIt(string method, string path)
    {
        var key = await app.CreateKeyAsync(scopes: ["clients:write", "jobs:write", "api-keys:manage"]);
        using var client = app.CreateClient(key.Secret);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = Http.Json(new { url = Receiver, events = new[] { "job.created" } });

        var problem = await (await client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        Assert.Equal(["integrations:write"], problem.GetProperty("missingScopes").Strings());
    }

    [Theory]
    [InlineData("acme", "South")]
    [InlineData("globex", null)]
    public async Task OtherTenantsEndpoint_EveryCall404AndNotListed(string company, string? branch)
    {
        var (_, owner) = await IntegrationAsync(company, branch);
        var id = (await RegisterAsync(owner)).GetProperty("id").GetString()!;
        var testId = (await owner.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString();
        var (_, attacker) = await IntegrationAsync("acme", "North");

        await attacker.GetAsync($"/api/v1/webhooks/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await attacker.PatchAsync($"/api/v1/webhooks/{id}", new { enabled = false }).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await attacker.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await attacker.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await attacker.GetAsync($"/api/v1/webhooks/{id}/deliveries").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await attacker.PostAsync($"/api/v1/webhooks/{id}/deliveries/{testId}/resend", null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await attacker.DeleteAsync($"/api/v1/webhooks/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var list = await attacker.GetAsync("/api/v1/webhooks").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("data").EnumerateArray(), e => e.GetProperty("id").GetString() == id);

        // Still there, unchanged, for its own branch.
        var read = await owner.GetAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("enabled", read.GetProperty("status").GetString());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{"url":"http://hooks.example.com/in","events":["job.created"]}""", "url" },
        { """{"url":"https://localhost/in","events":["job.created"]}""", "url" },
        { """{"url":"https://127.0.0.1:8443/in","events":["job.created"]}""", "url" },
        { """{"url":"https://10.1.2.3/in","events":["job.created"]}""", "url" },
        { """{"url":"https://192.168.0.10/in","events":["job.created"]}""", "url" },
        { """{"url":"https://169.254.169.254/latest/meta-data","events":["job.created"]}""", "url" },
        { """{"url":"https://[::1]/in","events":["job.created"]}""", "url" },
        // IDNA maps the circled digits to 127.0.0.1, which is where the HTTP client would connect.
        { """{"url":"https://①②⑦.0.0.1/in","events":["job.created"]}""", "url" },
        { """{"url":"https://127.0.0.1./in","events":["job.created"]}""", "url" },
        // 100::/64 is discard-only: nothing can answer there.
        { """{"url":"https://[100::1]/in","events":["job.created"]}""", "url" },
        { """{"url":"https://user:pass@hooks.example.com/in","events":["job.created"]}""", "url" },
        { """{"url":"/relative/path","events":["job.created"]}""", "url" },
        { """{"url":"ftp://hooks.example.com/in","events":["job.created"]}""", "url" },
        { """{"events":["job.created"]}""", "url" },
        { """{"url":"https://hooks.example.com/in","events":[]}""", "events" },
        { """{"url":"https://hooks.example.com/in"}""", "events" },
        { """{"url":"https://hooks.example.com/in","events":["job.deleted"]}""", "events" },
        { """{"url":"https://hooks.example.com/in","events":["job.created"],"secret":"whsec_mine"}""", "secret" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_InvalidBody_400NamingTheField(string body, string field)
    {
        var (_, client) = await IntegrationAsync();

        var problem = await client.PostAsync("/api/v1/webhooks", Http.RawJson(body)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Create_UnknownEvent_ErrorListsTheValidOnes()
    {
        var (_, client) = await IntegrationAsync();
        var problem = await client.PostAsync("/api/v1/webhooks", Http.Json(new { url = Receiver, events = new[] { "job.created", "job.exploded" } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var message = problem.GetProperty("errors").GetProperty("events")[0].GetString()!;
        Assert.All(WebhookEventTypes.All, type => Assert.Contains(type, message));
    }

    [Fact]
    public async Task Create_TooLongUrlOrDescription_400()
    {
        var (_, client) = await IntegrationAsync();
        var longUrl = "https://hooks.example.com/" + new string('a', WebhookTargets.MaxUrlLength);
        await client.PostAsync("/api/v1/webhooks", Http.Json(new { url = longUrl, events = new[] { "job.created" } }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var problem = await client.PostAsync("/api/v1/webhooks",
                Http.Json(new { url = Receiver, events = new[] { "job.created" }, description = new string('d', WebhookManager.MaxDescriptionLength + 1) }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("description", out _));
    }

    [Fact]
    public async Task Patch_InsecureUrl_400AndUnchanged()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;

        await client.PatchAsync($"/api/v1/webhooks/{id}", new { url = "https://127.0.0.1/in" }).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var read = await client.GetAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(Receiver, read.GetProperty("url").GetString());
    }

    [Fact]
    public async Task RotateSecret_NewSecretOnceAndTheOldOneKeptFor24Hours()
    {
        var (_, client) = await IntegrationAsync();
        var created = await RegisterAsync(client);
        var id = created.GetProperty("id").GetString()!;

        var rotated = await client.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null).ExpectAsync(HttpStatusCode.OK);

        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.NotEqual(created.GetProperty("secret").GetString(), secret);
        var until = rotated.GetProperty("previousSecretExpiresAt").GetDateTime();
        Assert.InRange(until - DateTime.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(24.1));
        var read = await client.GetAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.False(read.TryGetProperty("secret", out _));
        await using var db = await app.CreateDbContextAsync();
        var stored = await db.WebhookEndpoints.SingleAsync(e => e.Id == id);
        Assert.NotNull(stored.ProtectedPreviousSecret);
        Assert.NotEqual(stored.ProtectedSecret, stored.ProtectedPreviousSecret);
        Assert.True(await db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.WebhookSecretRotated && e.BranchId == stored.BranchId));
    }

    [Fact]
    public async Task RotateSecret_AnswersTheSameViewAsGet_LastDeliveryIncluded_PlusTheSecret()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;
        var ping = (await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString();

        var rotated = await client.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null).ExpectAsync(HttpStatusCode.OK);
        var read = await client.GetAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(ping, rotated.GetProperty("lastDelivery").GetProperty("id").GetString());
        var shown = rotated.EnumerateObject().Where(p => p.Name != "secret").ToDictionary(p => p.Name, p => p.Value.GetRawText());
        var got = read.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
        Assert.Equal(got, shown);
    }

    [Fact]
    public async Task Test_QueuesAPendingPingNowAndTheLogShowsIt()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;

        var queued = await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted);

        var deliveryId = queued.GetProperty("id").GetString()!;
        Assert.StartsWith("msg_", deliveryId);
        Assert.Equal("webhook.test", queued.GetProperty("type").GetString());
        Assert.Equal("pending", queued.GetProperty("status").GetString());
        await using (var db = await app.CreateDbContextAsync())
        {
            var row = await db.WebhookDeliveries.SingleAsync(d => d.Id == deliveryId);
            Assert.Equal("pending", row.Status);
            Assert.True(row.NextAttemptAt <= DateTime.UtcNow);
            using var body = JsonDocument.Parse(row.Body);
            Assert.Equal("webhook.test", body.RootElement.GetProperty("type").GetString());
            Assert.Equal(id, body.RootElement.GetProperty("data").GetProperty("endpointId").GetString());
            Assert.True(body.RootElement.TryGetProperty("timestamp", out _));
        }
        var log = await client.GetAsync($"/api/v1/webhooks/{id}/deliveries").ExpectAsync(HttpStatusCode.OK);
        var entry = log.GetProperty("data")[0];
        Assert.Equal(deliveryId, entry.GetProperty("id").GetString());
        Assert.Equal(0, entry.GetProperty("attempts").GetInt32());
        Assert.True(entry.IsNull("lastAttempt"));
    }

    [Fact]
    public async Task Test_MoreThanFiveWaiting_409UntilTheyHaveGone()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;
        for (var i = 0; i < WebhookManager.MaxWaitingTests; i++)
            await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted);

        var refused = await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Contains("still waiting", refused.GetProperty("detail").GetString());

        await using (var db = await app.CreateDbContextAsync())
            await db.WebhookDeliveries.Where(d => d.EndpointId == id).ExecuteUpdateAsync(set => set.SetProperty(d => d.Status, "succeeded"));
        await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted);
    }

    [Theory]
    [InlineData("""{"url":null}""", "url")]
    [InlineData("""{"events":null}""", "events")]
    [InlineData("""{"enabled":null}""", "enabled")]
    public async Task Patch_NullForAFieldThatCannotBeEmpty_400NamingIt(string body, string field)
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;

        var problem = await client.PatchAsync($"/api/v1/webhooks/{id}", Http.RawJson(body)).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        var read = await client.GetAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(Receiver, read.GetProperty("url").GetString());
        Assert.True(read.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Resend_FailedDelivery_SameRowPendingAgain()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;
        var deliveryId = (await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString()!;
        await using (var db = await app.CreateDbContextAsync())
        {
            var row = await db.WebhookDeliveries.SingleAsync(d => d.Id == deliveryId);
            row.Status = "failed";
            row.Attempts = 7;
            row.NextAttemptAt = null;
            db.WebhookAttempts.Add(new WebhookAttempt { DeliveryId = deliveryId, Number = 7, At = DateTime.UtcNow, StatusCode = 500, DurationMs = 120, Snippet = "oops" });
            await db.SaveChangesAsync();
        }

        var resent = await client.PostAsync($"/api/v1/webhooks/{id}/deliveries/{deliveryId}/resend", null).ExpectAsync(HttpStatusCode.Accepted);

        Assert.Equal(deliveryId, resent.GetProperty("id").GetString());
        Assert.Equal("pending", resent.GetProperty("status").GetString());
        var log = await client.GetAsync($"/api/v1/webhooks/{id}/deliveries").ExpectAsync(HttpStatusCode.OK);
        var entry = Assert.Single(log.GetProperty("data").EnumerateArray());
        Assert.Equal(500, entry.GetProperty("lastAttempt").GetProperty("statusCode").GetInt32());
        await client.PostAsync($"/api/v1/webhooks/{id}/deliveries/msg_unknown/resend", null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Resend_DeliveryStillPending_409AndUnchanged()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;
        var deliveryId = (await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString()!;
        DateTime? dueBefore;
        await using (var db = await app.CreateDbContextAsync())
            dueBefore = (await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.Id == deliveryId)).NextAttemptAt;

        var refused = await client.PostAsync($"/api/v1/webhooks/{id}/deliveries/{deliveryId}/resend", null)
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Equal("This delivery has not finished yet; it is retried on its own schedule.", refused.GetProperty("detail").GetString());
        await using (var db = await app.CreateDbContextAsync())
        {
            var row = await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.Id == deliveryId);
            Assert.Equal(("pending", 0, dueBefore), (row.Status, row.Attempts, row.NextAttemptAt));
        }
    }

    [Fact]
    public async Task CreateAndRotate_SecretWrittenVerbatim_NoEscapedPlus()
    {
        var (_, client) = await IntegrationAsync();
        var response = await client.PostAsync("/api/v1/webhooks", Http.Json(new { url = Receiver, events = new[] { "job.created" } }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/webhooks/{id}", response.Headers.Location?.OriginalString);
        AssertVerbatim(text);

        // About half of all secrets have a "+" in their base64: rotate until one does, and check each on the way.
        var plus = false;
        for (var i = 0; i < 40 && !plus; i++)
        {
            using var rotated = await client.PostAsync($"/api/v1/webhooks/{id}/rotate-secret", null);
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
            plus = AssertVerbatim(await rotated.Content.ReadAsStringAsync()).Contains('+');
        }
        Assert.True(plus, "no rotated secret had a \"+\" in 40 tries");
    }

    /// <summary>
    /// The secret as the raw text holds it, the way someone copies it from curl: the same as the JSON value, and
    /// standard base64 of 32 bytes after the prefix, as a signature check decodes it.
    /// </summary>
    private static string AssertVerbatim(string text)
    {
        var raw = System.Text.RegularExpressions.Regex.Match(text, "\"secret\":\"([^\"]*)\"").Groups[1].Value;
        Assert.Equal(JsonDocument.Parse(text).RootElement.GetProperty("secret").GetString(), raw);
        Assert.DoesNotContain("\\u", text, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("whsec_", raw);
        Assert.Equal(32, Convert.FromBase64String(raw["whsec_".Length..]).Length);
        return raw;
    }

    [Fact]
    public async Task Test_DisabledEndpoint_409AndReenablingClearsTheFailureRecord()
    {
        var (_, client) = await IntegrationAsync();
        var id = (await RegisterAsync(client)).GetProperty("id").GetString()!;
        await using (var db = await app.CreateDbContextAsync())
        {
            // As the sender leaves an endpoint that failed for days.
            var endpoint = await db.WebhookEndpoints.SingleAsync(e => e.Id == id);
            endpoint.Enabled = false;
            endpoint.DisabledReason = "Failing for 3 days.";
            endpoint.FailingSince = DateTime.UtcNow.AddDays(-3);
            await db.SaveChangesAsync();
        }

        await client.PostAsync($"/api/v1/webhooks/{id}/test", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        var enabled = await client.PatchAsync($"/api/v1/webhooks/{id}", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("enabled", enabled.GetProperty("status").GetString());
        Assert.True(enabled.IsNull("disabledReason"));
        Assert.True(enabled.IsNull("failingSince"));
    }

    [Fact]
    public async Task Create_OverTheBranchLimit_409()
    {
        var (_, client) = await IntegrationAsync("acme", "South");
        var existing = (await client.GetAsync("/api/v1/webhooks?limit=100").ExpectAsync(HttpStatusCode.OK)).GetProperty("data").GetArrayLength();
        var added = new List<string>();
        for (var i = existing; i < WebhookManager.MaxPerBranch; i++) added.Add((await RegisterAsync(client, $"{Receiver}/{i}")).GetProperty("id").GetString()!);

        await client.PostAsync("/api/v1/webhooks", Http.Json(new { url = Receiver, events = new[] { "job.created" } }))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        // The branch is shared with the other tests of this class: leave room for them.
        foreach (var id in added) await client.DeleteAsync($"/api/v1/webhooks/{id}").ExpectAsync(HttpStatusCode.NoContent);
    }
}

/// <summary>The dashboard's Webhooks actions: owners and admins manage, members read, checked on the server.</summary>
public sealed class DashboardWebhooksTests : IDisposable
{
    private readonly DashboardApp _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<DashboardWebhooks> AsAsync(string email) =>
        new(_app.Service<WebhookManager>(), await _app.WorkspaceForAsync(email), _app.Service<TimeProvider>());

    [Fact]
    public async Task Member_ReadsButEveryChangeIsRefused()
    {
        var admin = await AsAsync("admin@acme.test");
        var (endpoint, _) = await admin.CreateAsync(new NewWebhook("https://hooks.example.com/in", ["job.created"]));
        var member = await AsAsync("member@acme.test");

        Assert.Contains(await member.ListAsync(), s => s.Endpoint.Id == endpoint.Id);
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => member.CreateAsync(new NewWebhook("https://hooks.example.com/x", ["job.created"])));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => member.SetEnabledAsync(endpoint.Id, false));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => member.RotateSecretAsync(endpoint.Id));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => member.SendTestAsync(endpoint.Id));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => member.DeleteAsync(endpoint.Id));

        await using var db = await _app.CreateDbContextAsync();
        var stored = await db.WebhookEndpoints.SingleAsync(e => e.Id == endpoint.Id);
        Assert.True(stored.Enabled);
        Assert.Null(stored.ProtectedPreviousSecret);
        Assert.Equal(0, await db.WebhookDeliveries.CountAsync(d => d.EndpointId == endpoint.Id));
    }

    [Fact]
    public async Task Owner_CreatesWithAPersonInTheAuditTrail()
    {
        var owner = await AsAsync("owner@acme.test");

        var (endpoint, secret) = await owner.CreateAsync(new NewWebhook("https://hooks.example.com/owner", ["invoice.created"], "Accounting"));

        Assert.StartsWith("whsec_", secret);
        await using var db = await _app.CreateDbContextAsync();
        var entry = await db.AuditEvents.SingleAsync(e => e.Type == AuditEventType.WebhookCreated && e.Subject == endpoint.Url);
        Assert.Equal(ActorType.Person, entry.Actor.Type);
        Assert.Equal("owner@acme.test", entry.Actor.Name);
    }
}
