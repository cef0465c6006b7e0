using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// A record's dates fall from 2000-01-01 to 2100-12-31 (UTC): year 1 or 9999 is a typo or a default value, refused
/// with a 400 naming the field instead of stored.
/// </summary>
public class RecordDateRangeTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<(HttpClient Client, string ClientId, string JobId, string VisitId)> RecordsAsync()
    {
        var key = await app.CreateKeyAsync("acme", "North", ["clients:write", "jobs:write", "visits:write", "invoices:write"]);
        var client = app.CreateClient(key.Secret);
        var clientId = (await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Harbour Vets" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var jobId = (await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Boiler service" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var visitId = (await client.PostAsync($"/api/v1/jobs/{jobId}/visits", Http.Json(new { startsAt = "2026-12-05T09:00:00Z" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return (client, clientId, jobId, visitId);
    }

    private static async Task ExpectOutOfRangeAsync(Task<HttpResponseMessage> response, string field)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var message = Assert.Single(problem.GetProperty("errors").GetProperty(field).Strings());
        Assert.Contains("2000-01-01", message);
        Assert.Contains("2100-12-31", message);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("1999-12-31T23:59:59Z")]
    [InlineData("2100-12-31T20:00:00-05:00")]   // 2101-01-01T01:00Z
    public async Task Instants_OutsideTheRange_400NamingTheField(string instant)
    {
        var (client, clientId, jobId, visitId) = await RecordsAsync();

        await ExpectOutOfRangeAsync(client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Gutters", scheduledFor = instant })), "scheduledFor");
        await ExpectOutOfRangeAsync(client.PatchAsync($"/api/v1/jobs/{jobId}", new { scheduledFor = instant }), "scheduledFor");
        await ExpectOutOfRangeAsync(client.PostAsync($"/api/v1/jobs/{jobId}/visits", Http.Json(new { startsAt = instant })), "startsAt");
        await ExpectOutOfRangeAsync(client.PatchAsync($"/api/v1/visits/{visitId}", new { startsAt = instant }), "startsAt");
        await ExpectOutOfRangeAsync(client.PatchAsync($"/api/v1/visits/{visitId}", new { status = "arrived", arrivedAt = instant }), "arrivedAt");

        var visit = await client.GetAsync($"/api/v1/visits/{visitId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("2026-12-05T09:00:00Z", visit.GetProperty("startsAt").GetString());
    }

    [Theory]
    [InlineData("2000-01-01T00:00:00Z")]
    [InlineData("2100-12-31T23:59:59Z")]
    [InlineData("2101-01-01T00:30:00+01:00")]   // 2100-12-31T23:30Z
    public async Task Instants_AtTheEdgesOfTheRange_Accepted(string instant)
    {
        var (client, clientId, jobId, _) = await RecordsAsync();

        await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Gutters", scheduledFor = instant })).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync($"/api/v1/jobs/{jobId}/visits", Http.Json(new { startsAt = instant })).ExpectAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31")]
    public async Task InvoiceDueDate_OutsideTheRange_400NamingTheField(string dueOn)
    {
        var (client, clientId, _, _) = await RecordsAsync();
        await ExpectOutOfRangeAsync(client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number = "INV-" + Guid.NewGuid().ToString("N")[..8], dueOn })), "dueOn");

        var invoiceId = (await client.PostAsync("/api/v1/invoices", Http.Json(new { clientId, number = "INV-" + Guid.NewGuid().ToString("N")[..8], dueOn = "2100-12-31" }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await ExpectOutOfRangeAsync(client.PatchAsync($"/api/v1/invoices/{invoiceId}", new { dueOn }), "dueOn");
    }
}
