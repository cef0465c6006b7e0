using System.Data.Common;
using System.Net;
using System.Text.Json;
using FieldCamp.Domain.Notices;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Webhooks;

/// <summary>
/// The delivery engine through the real app: outbox events become signed POSTs to receivers on loopback ports, retried
/// on the published schedule, kept across a restart, and never sent to internal addresses unless those are opened.
/// </summary>
public sealed class WebhookDeliveryTests
{
    private const string Insecure = "Webhooks:AllowInsecureTargets";

    private static AppFactory InsecureApp(TimeProvider? clock = null) => new() { Clock = clock, Settings = { [Insecure] = "true" } };

    [Fact]
    public async Task A_revoked_key_reaches_subscribed_endpoints_signed_so_the_standard_algorithm_verifies_it()
    {
        using var app = InsecureApp();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var elsewhere = await WebhookReceiver.StartAsync();
        var secret = WebhookTestKit.NewSecret();
        var subscribed = await app.AddEndpointAsync($"{receiver.BaseUrl}/hooks", "client.created api_key.revoked", secret, branch: "North");
        var otherType = await app.AddEndpointAsync($"{elsewhere.BaseUrl}/other-type", "client.created", WebhookTestKit.NewSecret(), branch: "North");
        var disabled = await app.AddEndpointAsync($"{elsewhere.BaseUrl}/disabled", "api_key.revoked", WebhookTestKit.NewSecret(), branch: "North", enabled: false);
        var otherBranch = await app.AddEndpointAsync($"{elsewhere.BaseUrl}/south", "api_key.revoked", WebhookTestKit.NewSecret(), branch: "South");
        var otherCompany = await app.AddEndpointAsync($"{elsewhere.BaseUrl}/globex", "*", WebhookTestKit.NewSecret(), company: "globex");

        var admin = await app.CreateKeyAsync(branch: "North", scopes: ["api-keys:manage"]);
        var victim = await app.CreateKeyAsync(branch: "North", name: AppFactory.UniqueName("zapier"));
        await app.CreateClient(admin.Secret).DeleteAsync($"/api/v1/api-keys/{victim.Id}").ExpectAsync(HttpStatusCode.NoContent);

        var webhook = Assert.Single(await receiver.WaitForAsync(1));
        Assert.Equal("/hooks", webhook.Path);
        Assert.StartsWith("application/json", webhook.ContentType);
        Assert.StartsWith("msg_", webhook.Id);
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(webhook.Timestamp!));
        Assert.InRange(sentAt, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(WebhookTestKit.Verifies(secret, webhook), $"The signature {webhook.Signature} does not verify.");
        Assert.False(WebhookTestKit.Verifies(WebhookTestKit.NewSecret(), webhook));

        using var body = JsonDocument.Parse(webhook.Body);
        var root = body.RootElement;
        Assert.Equal(["type", "timestamp", "data"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("api_key.revoked", root.GetProperty("type").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("timestamp").GetString(), out _));
        var data = root.GetProperty("data");
        Assert.Equal(victim.Id, data.GetProperty("id").GetString());
        Assert.Equal(victim.Name, data.GetProperty("name").GetString());
        Assert.StartsWith("fc_live_", data.GetProperty("prefix").GetString());
        Assert.StartsWith(data.GetProperty("prefix").GetString()!, victim.Secret, StringComparison.Ordinal);
        Assert.True(data.GetProperty("revokedAt").TryGetDateTime(out _));
        Assert.Equal($"Revoked with the API key {admin.Name}.", data.GetProperty("reason").GetString());
        Assert.DoesNotContain(victim.Secret, webhook.Body);

        var delivery = await app.DeliveryAfterAttemptsAsync(subscribed.Id, 1);
        var attempt = Assert.Single(await app.AttemptsAsync(subscribed.Id));
        Assert.Equal(200, attempt.StatusCode);
        Assert.Equal("receiver says 200", attempt.Snippet);
        Assert.Equal((WebhookDeliveryStatus.Succeeded, webhook.Id), (delivery.Status, delivery.Id));

        // Only the subscribed, enabled endpoint of the key's own branch got a delivery.
        await using (var db = await app.CreateDbContextAsync())
        {
            var endpoints = await db.WebhookDeliveries.Where(d => d.EventId == delivery.EventId).Select(d => d.EndpointId).ToListAsync();
            Assert.Equal([subscribed.Id], endpoints);
            Assert.NotNull((await db.Outbox.SingleAsync(e => e.Id == delivery.EventId)).DispatchedAt);
            // A dispatcher run repeated after a crash between its work and its mark adds nothing twice.
            await db.Outbox.Where(e => e.Id == delivery.EventId).ExecuteUpdateAsync(s => s.SetProperty(e => e.DispatchedAt, (DateTime?)null));
        }
        Assert.Equal(0, await app.Services.GetRequiredService<WebhookDispatcher>().RunOnceAsync());
        await using (var db = await app.CreateDbContextAsync())
        {
            Assert.Equal(1, await db.WebhookDeliveries.CountAsync(d => d.EventId == delivery.EventId));
            Assert.NotNull((await db.Outbox.SingleAsync(e => e.Id == delivery.EventId)).DispatchedAt);
        }
        Assert.Empty(elsewhere.Received);
        _ = (otherType, disabled, otherBranch, otherCompany);
    }

    [Fact]
    public async Task Records_changed_through_the_API_reach_subscribers_with_the_data_the_API_answered()
    {
        using var app = InsecureApp();
        await using var receiver = await WebhookReceiver.StartAsync();
        var secret = WebhookTestKit.NewSecret();
        await app.AddEndpointAsync($"{receiver.BaseUrl}/hooks", "client.created visit.updated", secret, branch: "North");
        var key = await app.CreateKeyAsync(branch: "North", scopes: ["clients:write", "jobs:write", "visits:write"]);
        var api = app.CreateClient(key.Secret);

        var client = await api.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbor Dental", email = "ops@harbor.example" }))
            .ExpectAsync(HttpStatusCode.Created);
        var job = await api.PostAsync("/api/v1/jobs", Http.Json(new { clientId = client.GetProperty("id").GetString(), title = "Boiler service" }))
            .ExpectAsync(HttpStatusCode.Created);
        var visit = await api.PostAsync($"/api/v1/jobs/{job.GetProperty("id").GetString()}/visits",
            Http.Json(new { startsAt = DateTime.UtcNow.AddDays(1) })).ExpectAsync(HttpStatusCode.Created);
        var moved = await api.PatchAsync($"/api/v1/visits/{visit.GetProperty("id").GetString()}", Http.Json(new { status = "en_route" }));
        var movedBody = await moved.ExpectAsync(HttpStatusCode.OK);

        // job.created was not subscribed to: two deliveries, in the order the changes committed.
        var received = await receiver.WaitForAsync(2);
        Assert.All(received, webhook => Assert.True(WebhookTestKit.Verifies(secret, webhook)));
        var bodies = received.Select(w => JsonDocument.Parse(w.Body).RootElement).OrderBy(b => b.GetProperty("type").GetString()).ToList();
        Assert.Equal(["client.created", "visit.updated"], bodies.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal(client.GetRawText(), bodies[0].GetProperty("data").GetRawText());
        Assert.Equal(movedBody.GetRawText(), bodies[1].GetProperty("data").GetRawText());
        Assert.Equal("en_route", bodies[1].GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(key.Id, bodies[1].GetProperty("data").GetProperty("updatedByKeyId").GetString());
    }

    [Fact]
    public async Task A_receiver_failing_twice_then_succeeding_gets_three_attempts_with_one_webhook_id_on_the_schedule()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var app = InsecureApp(clock);
        await using var receiver = await WebhookReceiver.StartAsync(500, 503);
        var secret = WebhookTestKit.NewSecret();
        var endpoint = await app.AddEndpointAsync($"{receiver.BaseUrl}/in", "client.created", secret);
        _ = app.CreateClient();

        await app.AddEventAsync("client.created", new { id = "cli_1", name = "Ada" }, clock.UtcNow);
        await receiver.WaitForAsync(1);
        var afterFirst = await app.DeliveryAfterAttemptsAsync(endpoint.Id, 1);
        Assert.Equal(WebhookDeliveryStatus.Pending, afterFirst.Status);
        Assert.Equal(clock.UtcNow.AddSeconds(5), afterFirst.NextAttemptAt);
        await using (var db = await app.CreateDbContextAsync())
            Assert.Equal(clock.UtcNow, (await db.WebhookEndpoints.SingleAsync(e => e.Id == endpoint.Id)).FailingSince);

        clock.Advance(TimeSpan.FromSeconds(5));
        await receiver.WaitForAsync(2);
        var afterSecond = await app.DeliveryAfterAttemptsAsync(endpoint.Id, 2);
        Assert.Equal(clock.UtcNow.AddMinutes(5), afterSecond.NextAttemptAt);

        clock.Advance(TimeSpan.FromMinutes(5));
        var received = await receiver.WaitForAsync(3);
        var delivered = await app.DeliveryAfterAttemptsAsync(endpoint.Id, 3);

        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(r => r.Id).Distinct());
        Assert.Equal(delivered.Id, received[0].Id);
        Assert.Single(received.Select(r => r.Body).Distinct());
        var timestamps = received.Select(r => long.Parse(r.Timestamp!)).ToList();
        Assert.Equal([5L, 300L], [timestamps[1] - timestamps[0], timestamps[2] - timestamps[1]]);
        Assert.All(received, r => Assert.True(WebhookTestKit.Verifies(secret, r)));

        Assert.Equal((WebhookDeliveryStatus.Succeeded, 3, (DateTime?)null), (delivered.Status, delivered.Attempts, delivered.NextAttemptAt));
        var attempts = await app.AttemptsAsync(endpoint.Id);
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Number));
        Assert.Equal([500, 503, 200], attempts.Select(a => a.StatusCode));
        Assert.Equal("receiver says 503", attempts[1].Snippet);
        // The success ended the endpoint's failing run.
        await using (var db = await app.CreateDbContextAsync())
            Assert.Null((await db.WebhookEndpoints.SingleAsync(e => e.Id == endpoint.Id)).FailingSince);
    }

    [Fact]
    public async Task An_event_committed_before_the_app_stopped_is_delivered_after_it_starts_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var outboxRead = new OutboxReadSignal();
        using var first = new AppFactory
        {
            // Delivery looks once at start and then not for an hour: the event below is committed and left waiting.
            Settings = { [Insecure] = "true", ["Webhooks:Delivery:PollInterval"] = "01:00:00" },
            DbInterceptors = { outboxRead },
        };
        var secret = WebhookTestKit.NewSecret();
        var endpoint = await first.AddEndpointAsync($"{receiver.BaseUrl}/in", "api_key.revoked", secret);
        var admin = await first.CreateKeyAsync(scopes: ["api-keys:manage"]);
        var victim = await first.CreateKeyAsync();
        await outboxRead.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await first.CreateClient(admin.Secret).DeleteAsync($"/api/v1/api-keys/{victim.Id}").ExpectAsync(HttpStatusCode.NoContent);
        await using (var db = await first.CreateDbContextAsync())
        {
            var waiting = await db.Outbox.SingleAsync(e => e.Type == "api_key.revoked");
            Assert.Null(waiting.DispatchedAt);
            Assert.Equal(0, await db.WebhookDeliveries.CountAsync());
        }
        await first.Host.StopAsync();
        Assert.Empty(receiver.Received);

        using var second = AppFactory.SameInstallationAs(first);
        second.Settings[Insecure] = "true";
        _ = second.CreateClient();
        var webhook = Assert.Single(await receiver.WaitForAsync(1));
        Assert.True(WebhookTestKit.Verifies(secret, webhook));
        using var body = JsonDocument.Parse(webhook.Body);
        Assert.Equal("api_key.revoked", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(victim.Id, body.RootElement.GetProperty("data").GetProperty("id").GetString());
        var delivery = await second.DeliveryAfterAttemptsAsync(endpoint.Id, 1);
        Assert.Equal(WebhookDeliveryStatus.Succeeded, delivery.Status);
    }

    [Fact]
    public async Task During_a_secret_rotation_both_secrets_verify_and_afterwards_only_the_new_one()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var app = InsecureApp(clock);
        await using var receiver = await WebhookReceiver.StartAsync();
        var (oldSecret, newSecret) = (WebhookTestKit.NewSecret(), WebhookTestKit.NewSecret());
        await app.AddEndpointAsync($"{receiver.BaseUrl}/in", "job.updated", newSecret,
            previousSecret: oldSecret, previousExpiresAt: clock.UtcNow.AddHours(24));
        _ = app.CreateClient();

        await app.AddEventAsync("job.updated", new { id = "job_1", status = "scheduled" }, clock.UtcNow);
        var during = (await receiver.WaitForAsync(1))[0];
        Assert.Equal(2, during.Signature!.Split(' ').Length);
        Assert.True(WebhookTestKit.Verifies(newSecret, during), "The new secret should verify during the overlap.");
        Assert.True(WebhookTestKit.Verifies(oldSecret, during), "The old secret should still verify during the overlap.");

        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await app.AddEventAsync("job.updated", new { id = "job_1", status = "completed" }, clock.UtcNow);
        var after = (await receiver.WaitForAsync(2))[1];
        Assert.Single(after.Signature!.Split(' '));
        Assert.True(WebhookTestKit.Verifies(newSecret, after));
        Assert.False(WebhookTestKit.Verifies(oldSecret, after), "The old secret must not verify once its overlap ended.");
    }

    [Fact]
    public async Task Internal_targets_are_refused_after_resolution_unless_insecure_targets_are_opened()
    {
        using var app = new AppFactory();
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = receiver.Port;
        var targets = new Dictionary<string, string>
        {
            [$"https://127.0.0.1:{port}/in"] = "refused: 127.0.0.1 is a loopback address",
            ["https://10.20.30.40/in"] = "refused: 10.20.30.40 is a private address",
            ["https://169.254.169.254/latest/meta-data/"] = "refused: 169.254.169.254 is a link-local (metadata) address",
            [$"https://localhost:{port}/in"] = "refused: localhost resolves to a loopback address",
            [$"https://[::ffff:127.0.0.1]:{port}/in"] = "loopback",
            [$"http://hooks.example.com:{port}/in"] = "refused: webhooks are sent over https:// only",
        };
        var endpoints = new Dictionary<string, string>();
        foreach (var url in targets.Keys)
            endpoints[(await app.AddEndpointAsync(url, "client.created", WebhookTestKit.NewSecret())).Id] = url;
        _ = app.CreateClient();

        await app.AddEventAsync("client.created", new { id = "cli_2" }, DateTime.UtcNow);
        foreach (var (endpointId, url) in endpoints)
        {
            await app.DeliveryAfterAttemptsAsync(endpointId, 1);
            var attempt = (await app.AttemptsAsync(endpointId))[0];
            Assert.Null(attempt.StatusCode);
            Assert.NotNull(attempt.Snippet);
            Assert.StartsWith("refused: ", attempt.Snippet);
            Assert.Contains(targets[url], attempt.Snippet);
        }
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task A_redirect_is_a_failed_attempt_and_is_never_followed()
    {
        using var app = InsecureApp();
        await using var receiver = await WebhookReceiver.StartAsync();
        var endpoint = await app.AddEndpointAsync($"{receiver.BaseUrl}/redirect", "invoice.created", WebhookTestKit.NewSecret());
        _ = app.CreateClient();

        await app.AddEventAsync("invoice.created", new { id = "inv_1" }, DateTime.UtcNow);
        var delivery = await app.DeliveryAfterAttemptsAsync(endpoint.Id, 1);

        var attempt = (await app.AttemptsAsync(endpoint.Id))[0];
        Assert.Equal(302, attempt.StatusCode);
        Assert.Contains($"redirect not followed (Location: {receiver.BaseUrl}/landed)", attempt.Snippet);
        Assert.Equal(WebhookDeliveryStatus.Pending, delivery.Status);
        Assert.Equal(["/redirect"], receiver.Received.Select(r => r.Path));
    }

    [Fact]
    public async Task A_receiver_that_never_answers_is_a_timed_out_attempt_retried_later()
    {
        using var app = new AppFactory { Settings = { [Insecure] = "true", ["Webhooks:Delivery:AttemptTimeout"] = "00:00:01" } };
        await using var receiver = await WebhookReceiver.StartAsync(WebhookReceiver.Hang);
        var endpoint = await app.AddEndpointAsync($"{receiver.BaseUrl}/slow", "visit.updated", WebhookTestKit.NewSecret());
        _ = app.CreateClient();

        await app.AddEventAsync("visit.updated", new { id = "vis_1", status = "arrived" }, DateTime.UtcNow);
        var delivery = await app.DeliveryAfterAttemptsAsync(endpoint.Id, 1);

        var attempt = (await app.AttemptsAsync(endpoint.Id))[0];
        Assert.Null(attempt.StatusCode);
        Assert.Equal("timed out: no answer within 1 s", attempt.Snippet);
        Assert.InRange(attempt.DurationMs, 900, 60_000);
        Assert.Equal(WebhookDeliveryStatus.Pending, delivery.Status);
        Assert.Equal(attempt.At.AddSeconds(5), delivery.NextAttemptAt!.Value, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_endpoint_deleted_while_an_attempt_is_out_drops_the_attempt_with_one_quiet_line()
    {
        using var app = InsecureApp();
        await using var receiver = await WebhookReceiver.StartAsync(WebhookReceiver.Held);
        var endpoint = await app.AddEndpointAsync($"{receiver.BaseUrl}/hook", "client.created", WebhookTestKit.NewSecret());
        var key = await app.CreateKeyAsync("acme", null, ["integrations:write"]);
        using var client = app.CreateClient(key.Secret);

        await app.AddEventAsync("client.created", new { id = "cli_1", name = "Harbour Vets" }, DateTime.UtcNow);
        await receiver.WaitForAsync(1);
        await client.DeleteAsync($"/api/v1/webhooks/{endpoint.Id}").ExpectAsync(HttpStatusCode.NoContent);
        receiver.Release.SetResult();

        await Http.EventuallyAsync(() => Task.FromResult(app.Logs.Entries.Any(e => e.Contains("was deleted with its endpoint"))),
            TimeSpan.FromSeconds(30), "the sender noting the deleted endpoint");
        var line = Assert.Single(app.Logs.Entries, e => e.Contains("was deleted with its endpoint"));
        Assert.StartsWith("Information FieldCamp.Web.Webhooks.WebhookSender", line);
        Assert.EndsWith("| ", line); // no exception attached
        Assert.DoesNotContain(app.Logs.Entries, e => (e.StartsWith("Warning") || e.StartsWith("Error") || e.StartsWith("Critical"))
            && (e.Contains("Webhook") || e.Contains("EntityFrameworkCore.Update") || e.Contains("EntityFrameworkCore.Database")));
        await using var db = await app.CreateDbContextAsync();
        Assert.False(await db.WebhookDeliveries.AnyAsync(d => d.EndpointId == endpoint.Id));
        Assert.False(await db.WebhookAttempts.AnyAsync());
    }

    [Fact]
    public async Task An_endpoint_failing_for_three_days_straight_is_disabled_and_its_admins_are_told()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var app = InsecureApp(clock);
        await using var receiver = await WebhookReceiver.StartAsync(Enumerable.Repeat(500, 20).ToArray());
        var endpoint = await app.AddEndpointAsync($"{receiver.BaseUrl}/down", "client.updated", WebhookTestKit.NewSecret());
        _ = app.CreateClient();

        await app.AddEventAsync("client.updated", new { id = "cli_3" }, clock.UtcNow);
        await app.DeliveryAfterAttemptsAsync(endpoint.Id, 1);
        var failingSince = clock.UtcNow;

        clock.Advance(TimeSpan.FromDays(3));
        var delivery = await app.DeliveryAfterAttemptsAsync(endpoint.Id, 2);

        await using var db = await app.CreateDbContextAsync();
        var stored = await db.WebhookEndpoints.SingleAsync(e => e.Id == endpoint.Id);
        Assert.False(stored.Enabled);
        Assert.Contains("failed for 3 days", stored.DisabledReason);
        Assert.Equal(failingSince, stored.FailingSince);
        var notice = await db.Notices.SingleAsync(n => n.Kind == NoticeKind.WebhookDisabled);
        Assert.Equal((endpoint.CompanyId, endpoint.BranchId, endpoint.Id), (notice.CompanyId, notice.BranchId, notice.ApiKeyId));
        Assert.Contains(endpoint.Url, notice.Message);
        Assert.Contains("HTTP 500", notice.Message);

        // Nothing more goes to a disabled endpoint, however long the clock runs.
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await app.Services.GetRequiredService<WebhookSender>().ClaimDueAsync(10, CancellationToken.None));
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(WebhookDeliveryStatus.Pending, delivery.Status);
    }

    [Fact]
    public async Task A_receiver_that_never_answers_holds_back_its_own_deliveries_not_another_tenants()
    {
        // Attempts wait a minute for an answer: long enough that, were the tarpit given every slot, the test would see it.
        using var app = new AppFactory { Settings = { [Insecure] = "true", ["Webhooks:Delivery:AttemptTimeout"] = "00:01:00" } };
        using var tarpit = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        tarpit.Start(backlog: 100);
        var tarpitUrl = $"http://127.0.0.1:{((IPEndPoint)tarpit.LocalEndpoint).Port}/hooks";
        await using var receiver = await WebhookReceiver.StartAsync();
        var flooded = await app.AddEndpointAsync(tarpitUrl, "client.created", WebhookTestKit.NewSecret(), company: "globex");
        await app.AddEndpointAsync($"{receiver.BaseUrl}/hooks", "client.created", WebhookTestKit.NewSecret(), branch: "North");

        await using (var db = await app.CreateDbContextAsync())
        {
            var now = DateTime.UtcNow;
            for (var i = 0; i < 30; i++)
                db.WebhookDeliveries.Add(WebhookMessages.NewDelivery(flooded, OutboxEvent.For(flooded.CompanyId, flooded.BranchId, "client.created", new { i }, now), now));
            await db.SaveChangesAsync();
        }
        await app.WaitForAsync(db => db.WebhookDeliveries.CountAsync(d => d.EndpointId == flooded.Id && d.NextAttemptAt > DateTime.UtcNow),
            count => count >= 2, "the tarpit's first attempts");
        await app.AddEventAsync("client.created", new { id = "cli_1" }, DateTime.UtcNow, branch: "North");

        // Delivered while the tarpit still holds its connections (each waits a minute), not after them.
        Assert.Single(await receiver.WaitForAsync(1));
        await using var check = await app.CreateDbContextAsync();
        Assert.Equal(0, await check.WebhookAttempts.CountAsync(a => a.DeliveryId.StartsWith("msg_") && check.WebhookDeliveries.Any(d => d.Id == a.DeliveryId && d.EndpointId == flooded.Id)));
    }

    [Fact]
    public async Task Finished_deliveries_leave_the_log_after_30_days_and_dispatched_events_after_a_day()
    {
        using var app = new AppFactory { Settings = { ["Webhooks:Delivery:Enabled"] = "false" } };
        var endpoint = await app.AddEndpointAsync("https://hooks.example.com/in", "client.created", WebhookTestKit.NewSecret());
        var now = DateTime.UtcNow;
        WebhookDelivery Delivery(string status, int daysAgo)
        {
            var at = now.AddDays(-daysAgo);
            var delivery = WebhookMessages.NewDelivery(endpoint, OutboxEvent.For(endpoint.CompanyId, endpoint.BranchId, "client.created", new { daysAgo }, at), at);
            delivery.Status = status;
            return delivery;
        }
        OutboxEvent Event(int? dispatchedDaysAgo, int daysAgo)
        {
            var outboxEvent = OutboxEvent.For(endpoint.CompanyId, endpoint.BranchId, "client.created", new { daysAgo }, now.AddDays(-daysAgo));
            outboxEvent.DispatchedAt = dispatchedDaysAgo is { } d ? now.AddDays(-d) : null;
            return outboxEvent;
        }
        var oldSucceeded = Delivery(WebhookDeliveryStatus.Succeeded, 31);
        var oldFailed = Delivery(WebhookDeliveryStatus.Failed, 40);
        var oldStillRetrying = Delivery(WebhookDeliveryStatus.Pending, 31);
        var recent = Delivery(WebhookDeliveryStatus.Succeeded, 29);
        var oldEvent = Event(dispatchedDaysAgo: 2, daysAgo: 2);
        var freshEvent = Event(dispatchedDaysAgo: 0, daysAgo: 0);
        var waitingEvent = Event(dispatchedDaysAgo: null, daysAgo: 3);
        await using (var db = await app.CreateDbContextAsync())
        {
            db.WebhookDeliveries.AddRange(oldSucceeded, oldFailed, oldStillRetrying, recent);
            db.WebhookAttempts.Add(new WebhookAttempt { DeliveryId = oldSucceeded.Id, Number = 1, At = oldSucceeded.CreatedAt, StatusCode = 200 });
            db.Outbox.AddRange(oldEvent, freshEvent, waitingEvent);
            await db.SaveChangesAsync();
        }

        Assert.Equal(3, await app.Services.GetRequiredService<WebhookRetention>().RunOnceAsync());

        await using var after = await app.CreateDbContextAsync();
        Assert.Equal(new HashSet<string> { oldStillRetrying.Id, recent.Id }, (await after.WebhookDeliveries.Select(d => d.Id).ToListAsync()).ToHashSet());
        Assert.Empty(await after.WebhookAttempts.ToListAsync());
        Assert.Equal(new HashSet<string> { freshEvent.Id, waitingEvent.Id }, (await after.Outbox.Select(e => e.Id).ToListAsync()).ToHashSet());
    }

    /// <summary>Completes once the app has read the outbox for the first time (the dispatcher's round at start).</summary>
    private sealed class OutboxReadSignal : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _read = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _read.Task;

        public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
            CancellationToken cancellationToken = default)
        {
            Notice(command);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result,
            CancellationToken cancellationToken = default)
        {
            Notice(command);
            return ValueTask.FromResult(result);
        }

        private void Notice(DbCommand command)
        {
            if (command.CommandText.Contains("FROM \"Outbox\"", StringComparison.Ordinal)) _read.TrySetResult();
        }
    }
}
