using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>What a visit may no longer do: move on once its job is finished, or be stamped with a time yet to come.</summary>
public class VisitRulesTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<(HttpClient Client, string JobId, string VisitId)> VisitAsync()
    {
        var key = await app.CreateKeyAsync("acme", "North", ["clients:write", "jobs:write", "visits:write"]);
        var client = app.CreateClient(key.Secret);
        var clientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var jobId = (await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Boiler service" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var visitId = (await client.PostAsync($"/api/v1/jobs/{jobId}/visits", Http.Json(new { startsAt = DateTime.UtcNow.AddDays(1) }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return (client, jobId, visitId);
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("completed")]
    public async Task AVisitOfAFinishedJob_DoesNotMoveOn_409(string jobStatus)
    {
        var (client, jobId, visitId) = await VisitAsync();
        await client.PatchAsync($"/api/v1/jobs/{jobId}", new { status = jobStatus }).ExpectAsync(HttpStatusCode.OK);

        var problem = await client.PatchAsync($"/api/v1/visits/{visitId}", new { status = "en_route" })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Contains($"job is {jobStatus}", problem.GetProperty("detail").GetString());
        var visit = await client.GetAsync($"/api/v1/visits/{visitId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("scheduled", visit.GetProperty("status").GetString());
        // Notes are not a status: they can still be written down afterwards.
        await client.PatchAsync($"/api/v1/visits/{visitId}", new { notes = "Customer called to say thanks" }).ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("arrived", "arrivedAt")]
    [InlineData("completed", "completedAt")]
    public async Task ATimeInTheFuture_400NamingIt(string status, string field)
    {
        var (client, _, visitId) = await VisitAsync();
        var future = DateTime.UtcNow.AddHours(2).ToString("O");
        var body = status == "arrived"
            ? (object)new { status, arrivedAt = future }
            : new { status, arrivedAt = DateTime.UtcNow.AddMinutes(-30).ToString("O"), completedAt = future };

        var problem = await client.PatchAsync($"/api/v1/visits/{visitId}", body).ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal("scheduled", (await client.GetAsync($"/api/v1/visits/{visitId}").ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
    }
}
