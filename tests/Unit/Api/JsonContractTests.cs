using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using FieldCamp.Web.Api;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// What the JSON says, in and out: numbers are JSON numbers (text in quotes is a 400 on the field), a number comes back
/// in the shortest form of what was sent, on every read and in the webhook payload, and every instant a caller sends
/// carries its time zone offset (a bare local time is a 400, in bodies and query strings alike).
/// </summary>
public class JsonContractTests(ResourceApp fixture) : IClassFixture<ResourceApp>
{
    private AppFactory App => fixture.App;

    private async Task<HttpClient> ClientAsync() => App.CreateClient((await App.CreateKeyAsync("acme", "North", ["*"])).Secret);

    private static async Task<string> IdOfAsync(Task<HttpResponseMessage> created) =>
        (await created.ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    private static async Task<Dictionary<string, string[]>> FieldErrorsAsync(HttpResponseMessage response)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        return problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Strings());
    }

    /// <summary>A client, a job and a visit of the branch, for bodies that refer to them.</summary>
    private static async Task<(string Client, string Job, string Visit)> RecordsAsync(HttpClient client)
    {
        var clientId = await IdOfAsync(client.PostAsync("/api/v1/clients", Http.Json(new { name = AppFactory.UniqueName("client") })));
        var job = await IdOfAsync(client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = "Boiler service" })));
        var visit = await IdOfAsync(client.PostAsync($"/api/v1/jobs/{job}/visits", Http.Json(new { startsAt = "2027-01-04T08:30:00Z" })));
        return (clientId, job, visit);
    }

    public static TheoryData<string, string, string, string, string> NumbersAsText => new()
    {
        { "POST", "/api/v1/invoices", """{"clientId":"CLIENT","number":"NUMBER","lines":[{"description":"Valve","quantity":1,"unitPrice":"12.50"}]}""", "lines[0].unitPrice", "number" },
        { "POST", "/api/v1/invoices", """{"clientId":"CLIENT","number":"NUMBER","lines":[{"description":"Valve","quantity":"2","unitPrice":12.5}]}""", "lines[0].quantity", "number" },
        { "POST", "/api/v1/items", """{"name":"Thermostat","unitPrice":"89.99"}""", "unitPrice", "number" },
        { "POST", "/api/v1/api-keys", """{"name":"NUMBER","scopes":["clients:read"],"rateLimit":{"requestsPerMinute":"5"}}""", "rateLimit.requestsPerMinute", "whole number" },
    };

    [Theory]
    [MemberData(nameof(NumbersAsText))]
    public async Task NumberSentAsText_400NamingTheFieldInPlainWords(string method, string path, string body, string field, string words)
    {
        using var client = await ClientAsync();
        var (clientId, _, _) = await RecordsAsync(client);
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = Http.RawJson(body.Replace("CLIENT", clientId).Replace("NUMBER", AppFactory.UniqueName("N"))),
        };

        var errors = await FieldErrorsAsync(await client.SendAsync(request));

        var message = Assert.Single(errors[field]);
        Assert.Contains(words, message, StringComparison.Ordinal);
        Assert.Contains("without quotes", message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NumberSentAsText_InAPatchOrRotateBody_400NamingTheField()
    {
        using var client = await ClientAsync();
        var item = await IdOfAsync(client.PostAsync("/api/v1/items", Http.Json(new { name = "Valve", unitPrice = 12.5 })));
        var key = await App.CreateKeyAsync("acme", "North", ["clients:read"]);

        Assert.Contains("unitPrice", (await FieldErrorsAsync(await client.PatchAsync($"/api/v1/items/{item}", Http.RawJson("""{"unitPrice":"13"}""")))).Keys);
        Assert.Contains("oldKeyExpiresInHours", (await FieldErrorsAsync(
            await client.PostAsync($"/api/v1/api-keys/{key.Id}/rotate", Http.RawJson("""{"oldKeyExpiresInHours":"24"}""")))).Keys);
        // And the item is as it was.
        Assert.Equal("12.5", (await client.GetAsync($"/api/v1/items/{item}").ExpectAsync(HttpStatusCode.OK)).GetProperty("unitPrice").GetRawText());
    }

    [Fact]
    public async Task Numbers_ComeBackInTheirShortestForm_OnCreateGetListAndInTheEvent()
    {
        using var client = await ClientAsync();
        var (clientId, _, _) = await RecordsAsync(client);
        var body = $$"""
            {"clientId":"{{clientId}}","number":"{{AppFactory.UniqueName("INV")}}","lines":[
              {"description":"Valve","quantity":2,"unitPrice":12.50},
              {"description":"Labour","quantity":1.50,"unitPrice":60},
              {"description":"Seal","quantity":2.0,"unitPrice":0.5}]}
            """;

        var created = await client.PostAsync("/api/v1/invoices", Http.RawJson(body)).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var read = await client.GetAsync($"/api/v1/invoices/{id}").ExpectAsync(HttpStatusCode.OK);
        var listed = (await client.GetAsync("/api/v1/invoices?limit=200").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("data").EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
        await using var db = await App.CreateDbContextAsync();
        var @event = JsonDocument.Parse((await db.Outbox.AsNoTracking().SingleAsync(e => e.Type == WebhookEventTypes.InvoiceCreated && e.Data.Contains(id))).Data)
            .RootElement;

        foreach (var invoice in new[] { created, read, listed, @event })
        {
            var lines = invoice.GetProperty("lines").EnumerateArray().ToList();
            Assert.Equal(["2", "1.5", "2"], lines.Select(l => l.GetProperty("quantity").GetRawText()));
            Assert.Equal(["12.5", "60", "0.5"], lines.Select(l => l.GetProperty("unitPrice").GetRawText()));
            Assert.Equal(["25", "90", "1"], lines.Select(l => l.GetProperty("amount").GetRawText()));
            Assert.Equal("116", invoice.GetProperty("total").GetRawText());
        }

        var item = await client.PostAsync("/api/v1/items", Http.RawJson("""{"name":"Filter","unitPrice":9.90}""")).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("9.9", item.GetProperty("unitPrice").GetRawText());
        Assert.Equal("9.9", (await client.GetAsync($"/api/v1/items/{item.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("unitPrice").GetRawText());
    }

    public static TheoryData<string, string, string, string> InstantsWithoutOffset => new()
    {
        { "POST", "/api/v1/jobs", """{"clientId":"CLIENT","title":"Boiler","scheduledFor":"2026-12-05T09:00:00"}""", "scheduledFor" },
        { "PATCH", "/api/v1/jobs/JOB", """{"scheduledFor":"2026-12-05T09:00"}""", "scheduledFor" },
        { "POST", "/api/v1/jobs/JOB/visits", """{"startsAt":"2026-12-05T09:00:00.000"}""", "startsAt" },
        { "PATCH", "/api/v1/visits/VISIT", """{"startsAt":"2026-12-05T09:00:00"}""", "startsAt" },
        { "PATCH", "/api/v1/visits/VISIT", """{"status":"arrived","arrivedAt":"2026-12-05T09:00:00"}""", "arrivedAt" },
        { "PATCH", "/api/v1/visits/VISIT", """{"status":"completed","completedAt":"2026-12-05T09:00:00"}""", "completedAt" },
        { "POST", "/api/v1/api-keys", """{"name":"NAME","scopes":["clients:read"],"expiresAt":"2030-01-01T00:00:00"}""", "expiresAt" },
        { "PATCH", "/api/v1/api-keys/KEY", """{"expiresAt":"2030-01-01T00:00:00"}""", "expiresAt" },
        { "POST", "/api/v1/api-keys/KEY/rotate", """{"expiresAt":"2030-01-01T00:00:00"}""", "expiresAt" },
    };

    [Theory]
    [MemberData(nameof(InstantsWithoutOffset))]
    public async Task InstantWithoutAnOffset_400AskingForOne_NothingChanged(string method, string path, string body, string field)
    {
        using var client = await ClientAsync();
        var (clientId, job, visit) = await RecordsAsync(client);
        var key = await App.CreateKeyAsync("acme", "North", ["clients:read"]);
        string Fill(string text) => text.Replace("CLIENT", clientId).Replace("JOB", job).Replace("VISIT", visit).Replace("KEY", key.Id)
            .Replace("NAME", AppFactory.UniqueName("k"));
        await using var db = await App.CreateDbContextAsync();
        var events = await db.Outbox.CountAsync();

        var errors = await FieldErrorsAsync(await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), Fill(path)) { Content = Http.RawJson(Fill(body)) }));

        Assert.Equal([field], errors.Keys);
        Assert.Equal("Include a time zone offset, e.g. 2026-12-05T09:00:00Z or 2026-12-05T09:00:00+01:00.", Assert.Single(errors[field]));
        Assert.Equal(events, await db.Outbox.CountAsync());
    }

    /// <summary>
    /// The strict reading is per property, so a DateTimeOffset added to a body later is held to it too: every one in
    /// every body an API endpoint takes (nested ones included) is read by <see cref="InstantJsonConverter"/>.
    /// </summary>
    [Fact]
    public void EveryInstantInARequestBody_IsReadWithItsOffset()
    {
        var bodies = App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Where(e => e is RouteEndpoint { RoutePattern.RawText: { } path } && path.StartsWith("/api/v1/", StringComparison.Ordinal))
            .Select(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType).OfType<Type>().Distinct().ToList();
        Assert.Contains(typeof(CreateJobRequest), bodies);

        var instants = new List<string>();
        var seen = new HashSet<Type>();
        void Visit(Type type)
        {
            if (!seen.Add(type) || type.Namespace?.StartsWith("FieldCamp", StringComparison.Ordinal) != true) return;
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (propertyType == typeof(DateTimeOffset))
                {
                    instants.Add($"{type.Name}.{property.Name}");
                    Assert.True(property.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType?.IsAssignableTo(typeof(InstantJsonConverter)) == true,
                        $"{type.Name}.{property.Name} is read without its offset being required.");
                }
                Visit(propertyType.IsGenericType ? propertyType.GetGenericArguments()[0] : propertyType);
            }
        }
        bodies.ForEach(Visit);
        Assert.True(instants.Count >= 8, string.Join(", ", instants));
    }

    [Theory]
    [InlineData("\"2026-12-05\"")]
    [InlineData("\"tomorrow\"")]
    [InlineData("\"2026-12-05T09:00:00 +01:00\"")]
    [InlineData("1764925200")]
    public async Task InstantThatIsNoDateAndTime_400OnTheField(string value)
    {
        using var client = await ClientAsync();
        var (clientId, _, _) = await RecordsAsync(client);

        var errors = await FieldErrorsAsync(await client.PostAsync("/api/v1/jobs",
            Http.RawJson($$"""{"clientId":"{{clientId}}","title":"Boiler","scheduledFor":{{value}}}""")));

        Assert.Contains("time zone offset", Assert.Single(errors["scheduledFor"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstantWithZOrAnOffset_IsThatInstant_NullStillClears()
    {
        using var client = await ClientAsync();
        var (clientId, _, visit) = await RecordsAsync(client);

        var job = await client.PostAsync("/api/v1/jobs",
            Http.RawJson($$"""{"clientId":"{{clientId}}","title":"Boiler","scheduledFor":"2027-01-05T10:00:00+01:00"}""")).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(new DateTime(2027, 1, 5, 9, 0, 0, DateTimeKind.Utc), job.GetProperty("scheduledFor").GetDateTime().ToUniversalTime());
        var path = $"/api/v1/jobs/{job.GetProperty("id").GetString()}";
        var moved = await client.PatchAsync(path, Http.RawJson("""{"scheduledFor":"2027-01-06T08:15:30.5z"}""")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new DateTime(2027, 1, 6, 8, 15, 30, 500, DateTimeKind.Utc), moved.GetProperty("scheduledFor").GetDateTime().ToUniversalTime());
        Assert.True((await client.PatchAsync(path, Http.RawJson("""{"scheduledFor":null}""")).ExpectAsync(HttpStatusCode.OK)).IsNull("scheduledFor"));

        var arrived = await client.PatchAsync($"/api/v1/visits/{visit}", Http.RawJson("""{"status":"arrived","arrivedAt":"2026-11-04T08:40:00-05:00"}"""))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new DateTime(2026, 11, 4, 13, 40, 0, DateTimeKind.Utc), arrived.GetProperty("arrivedAt").GetDateTime().ToUniversalTime());
    }

    [Theory]
    [InlineData("/api/v1/clients?updatedSince=2026-12-01T09:30:00", "updatedSince")]
    [InlineData("/api/v1/clients?updatedSince=2026-12-01T09:30", "updatedSince")]
    [InlineData("/api/v1/audit-events?since=2026-12-01T09:30:00", "since")]
    [InlineData("/api/v1/audit-events?since=2026-12-01T00:00:00Z&until=2026-12-02T09:30:00", "until")]
    public async Task QueryInstantWithoutAnOffset_400AskingForOne(string query, string field)
    {
        using var client = await ClientAsync();

        var errors = await FieldErrorsAsync(await client.GetAsync(query));

        Assert.Equal("Include a time zone offset, e.g. 2026-12-05T09:00:00Z or 2026-12-05T09:00:00+01:00.", Assert.Single(errors[field]));
    }

    [Theory]
    [InlineData("/api/v1/clients?updatedSince=2026-12-01T09:30:00Z")]
    [InlineData("/api/v1/clients?updatedSince=2026-12-01T09:30:00%2B01:00")]
    [InlineData("/api/v1/audit-events?since=2026-12-01T09:30:00-03:00&until=2026-12-02")]
    public async Task QueryInstantWithAnOffset_OrAWholeDayForTheAuditTrail_IsAccepted(string query)
    {
        using var client = await ClientAsync();

        await client.GetAsync(query).ExpectAsync(HttpStatusCode.OK);
    }
}
