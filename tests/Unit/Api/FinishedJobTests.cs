using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// A completed or cancelled job is a record of work for a client at a time: its client and schedule stay as they were
/// (409 invalid_state), while its title and description can still be corrected.
/// </summary>
public class FinishedJobTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<(HttpClient Client, string OtherClientId, string JobId)> FinishedJobAsync(string status)
    {
        var key = await app.CreateKeyAsync("acme", "North", ["clients:write", "jobs:write"]);
        var client = app.CreateClient(key.Secret);
        var clientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var otherClientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Quay Bakery" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var jobId = (await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Boiler service", scheduledFor = "2026-12-05T09:00:00Z" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await client.PatchAsync($"/api/v1/jobs/{jobId}", new { status }).ExpectAsync(HttpStatusCode.OK);
        return (client, otherClientId, jobId);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("cancelled")]
    public async Task FinishedJob_NewClient_409AndUnchanged(string status)
    {
        var (client, otherClientId, jobId) = await FinishedJobAsync(status);
        var before = await client.GetAsync($"/api/v1/jobs/{jobId}").ExpectAsync(HttpStatusCode.OK);

        var problem = await client.PatchAsync($"/api/v1/jobs/{jobId}", new { clientId = otherClientId })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Contains($"The job is {status}", problem.GetProperty("detail").GetString());
        Assert.Contains("clientId", problem.GetProperty("detail").GetString());
        var after = await client.GetAsync($"/api/v1/jobs/{jobId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(before.GetProperty("clientId").GetString(), after.GetProperty("clientId").GetString());
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("cancelled")]
    public async Task FinishedJob_Rescheduled_409(string status)
    {
        var (client, _, jobId) = await FinishedJobAsync(status);

        var moved = await client.PatchAsync($"/api/v1/jobs/{jobId}", new { scheduledFor = "2026-12-09T09:00:00Z" })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Contains("scheduledFor", moved.GetProperty("detail").GetString());
        await client.PatchAsync($"/api/v1/jobs/{jobId}", new { scheduledFor = (string?)null }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        var job = await client.GetAsync($"/api/v1/jobs/{jobId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-12-05T09:00:00Z", job.GetProperty("scheduledFor").GetString());
    }

    [Fact]
    public async Task FinishedJob_TitleAndDescriptionAndUnchangedValues_200()
    {
        var (client, _, jobId) = await FinishedJobAsync("completed");
        var job = await client.GetAsync($"/api/v1/jobs/{jobId}").ExpectAsync(HttpStatusCode.OK);

        // A whole record sent back as read, with its wording corrected: nothing fixed changes, so it passes.
        var updated = await client.PatchAsync($"/api/v1/jobs/{jobId}", new
        {
            clientId = job.GetProperty("clientId").GetString(),
            scheduledFor = job.GetProperty("scheduledFor").GetString(),
            title = "Boiler service and flue check",
            description = "Flue checked on the same visit.",
        }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Boiler service and flue check", updated.GetProperty("title").GetString());
        Assert.Equal("completed", updated.GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenJob_MovedToAnotherClientAndCompletedInOneRequest_200()
    {
        var key = await app.CreateKeyAsync("acme", "North", ["clients:write", "jobs:write"]);
        using var client = app.CreateClient(key.Secret);
        var first = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" })).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var second = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Quay Bakery" })).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var jobId = (await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId = first, title = "Boiler service" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

        var job = await client.PatchAsync($"/api/v1/jobs/{jobId}", new { clientId = second, status = "completed" }).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(second, job.GetProperty("clientId").GetString());
    }
}
