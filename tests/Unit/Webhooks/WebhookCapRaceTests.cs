using System.Net;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Web.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Webhooks;

/// <summary>
/// The caps that are counted before something is added (endpoints per branch, test pings waiting per endpoint) hold
/// when requests arrive together: each request counts what the ones before it added, so none is passed.
/// </summary>
public sealed class WebhookCapRaceTests : IDisposable
{
    private const string Receiver = "https://hooks.example.com/fieldcamp";
    private const int Parallel = 12;

    // Without the sender, queued pings stay waiting for as long as the test looks at them.
    private readonly AppFactory _app = new() { Settings = { ["Webhooks:Delivery:Enabled"] = "false" } };

    public void Dispose() => _app.Dispose();

    private async Task<HttpClient> IntegrationAsync()
    {
        var key = await _app.CreateKeyAsync(branch: "North", scopes: ["integrations:write"]);
        return _app.CreateClient(key.Secret);
    }

    private static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string path) =>
        client.PostAsync("/api/v1/webhooks", Http.Json(new { url = $"{Receiver}/{path}", events = new[] { "job.created" } }));

    [Fact]
    public async Task Parallel_creates_near_the_branch_cap_add_exactly_the_room_left_and_the_rest_are_409()
    {
        var client = await IntegrationAsync();
        var existing = (await client.GetAsync("/api/v1/webhooks?limit=100").ExpectAsync(HttpStatusCode.OK)).GetProperty("data").GetArrayLength();
        const int before = WebhookManager.MaxPerBranch - 3;
        for (var i = existing; i < before; i++) await RegisterAsync(client, $"existing-{i}").ExpectAsync(HttpStatusCode.Created);

        var answers = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => RegisterAsync(client, $"parallel-{i}")));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
            await refused.ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        var listed = (await client.GetAsync("/api/v1/webhooks?limit=100").ExpectAsync(HttpStatusCode.OK)).GetProperty("data").GetArrayLength();
        Assert.Equal(WebhookManager.MaxPerBranch, listed);
    }

    [Fact]
    public async Task Parallel_test_pings_queue_at_most_the_waiting_cap_and_the_rest_are_409()
    {
        var client = await IntegrationAsync();
        var id = (await RegisterAsync(client, "pings").ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var answers = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => client.PostAsync($"/api/v1/webhooks/{id}/test", null)));

        Assert.Equal(WebhookManager.MaxWaitingTests, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Accepted))
            await refused.ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await using var db = await _app.CreateDbContextAsync();
        Assert.Equal(WebhookManager.MaxWaitingTests, await db.WebhookDeliveries.CountAsync(d => d.EndpointId == id));
    }
}
