using System.Net;
using System.Text.Json;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// Text that people read back (names, titles, addresses, line descriptions, webhook descriptions) refuses control and
/// invisible characters with a 400 naming the field, by the same rule key names follow; free-text notes and
/// descriptions keep their line breaks and tabs and nothing else of that kind.
/// </summary>
public class HiddenCharacterTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<HttpClient> ClientAsync() =>
        app.CreateClient((await app.CreateKeyAsync("acme", "North",
            ["clients:write", "jobs:write", "visits:write", "invoices:write", "items:write", "integrations:write"])).Secret);

    private static async Task<string> IdOfAsync(HttpClient client, string path, object body) =>
        (await client.PostAsync(path, Http.Json(body)).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal([field], errors.Keys);
        Assert.Contains("invisible characters", errors[field][0].GetString());
    }

    public static TheoryData<string> Hidden => ["\u0000", "\u0007", "\u001B", "\u007F", "\u0085", "\u009F", "\u202E", "\u200B", "\u2066", "\u2028", "\uFEFF", "\n", "\t"];

    [Theory]
    [MemberData(nameof(Hidden))]
    public async Task Every_named_text_field_refuses_the_character_naming_the_field(string hidden)
    {
        var client = await ClientAsync();
        var clientId = await IdOfAsync(client, "/api/v1/clients", new { name = "Harbour Vets" });
        var jobId = await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Boiler service" });
        var text = $"Quay{hidden}St";

        await AssertRefusedAsync(await client.PostAsync("/api/v1/clients", Http.Json(new { name = text })), "name");
        await AssertRefusedAsync(await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Ok", address = text })), "address");
        await AssertRefusedAsync(await client.PostAsync("/api/v1/clients", Http.Json(new { name = "Ok", phone = $"+44 20{hidden}7946 0000" })), "phone");
        await AssertRefusedAsync(await client.PatchAsync($"/api/v1/clients/{clientId}", new { name = text }), "name");
        await AssertRefusedAsync(await client.PostAsync("/api/v1/jobs", Http.Json(new { clientId, title = text })), "title");
        await AssertRefusedAsync(await client.PatchAsync($"/api/v1/jobs/{jobId}", new { title = text }), "title");
        await AssertRefusedAsync(await client.PostAsync("/api/v1/items", Http.Json(new { name = text, unitPrice = 1 })), "name");
        await AssertRefusedAsync(await client.PostAsync("/api/v1/invoices", Http.Json(new
        {
            clientId, number = AppFactory.UniqueName("INV"), lines = new[] { new { description = text, quantity = 1, unitPrice = 5 } },
        })), "lines[0].description");
        await AssertRefusedAsync(await client.PostAsync("/api/v1/webhooks", Http.Json(new
        {
            url = "https://hooks.example.com/in", events = new[] { "client.created" }, description = text,
        })), "description");

        var stored = await client.GetAsync($"/api/v1/clients/{clientId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Harbour Vets", stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_webhook_description_stored_with_a_line_break_before_the_rule_may_be_sent_back_unchanged_not_changed_to_another()
    {
        var client = await ClientAsync();
        var id = (await client.PostAsync("/api/v1/webhooks", Http.Json(new { url = "https://hooks.example.com/in", events = new[] { "client.created" } }))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await using (var db = await app.CreateDbContextAsync())
        {
            var stored = await db.WebhookEndpoints.FindAsync(id);
            stored!.Description = "Dispatch\nboard";
            await db.SaveChangesAsync();
        }

        var kept = await client.PatchAsync($"/api/v1/webhooks/{id}", new { url = "https://hooks.example.com/moved", description = "Dispatch\nboard" })
            .ExpectAsync(HttpStatusCode.OK);
        await AssertRefusedAsync(await client.PatchAsync($"/api/v1/webhooks/{id}", new { description = "Dispatch\n\nboard" }), "description");

        Assert.Equal("https://hooks.example.com/moved", kept.GetProperty("url").GetString());
        Assert.Equal("Dispatch\nboard", kept.GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("\u0000")]
    [InlineData("\u001B[31m")]
    [InlineData("\u202E")]
    [InlineData("\u200B")]
    [InlineData("\r")]
    public async Task Notes_refuse_control_and_invisible_characters(string hidden)
    {
        var client = await ClientAsync();
        var clientId = await IdOfAsync(client, "/api/v1/clients", new { name = "Harbour Vets" });
        var jobId = await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Boiler service" });

        await AssertRefusedAsync(await client.PostAsync($"/api/v1/jobs/{jobId}/visits",
            Http.Json(new { startsAt = "2027-01-05T09:00:00Z", notes = $"Gate code{hidden} 1234" })), "notes");
        var visitId = await IdOfAsync(client, $"/api/v1/jobs/{jobId}/visits", new { startsAt = "2027-01-05T09:00:00Z" });
        await AssertRefusedAsync(await client.PatchAsync($"/api/v1/visits/{visitId}", new { notes = $"Dog{hidden} in yard" }), "notes");
    }

    [Fact]
    public async Task Notes_keep_line_breaks_and_tabs()
    {
        var client = await ClientAsync();
        var clientId = await IdOfAsync(client, "/api/v1/clients", new { name = "Harbour Vets" });
        var jobId = await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Boiler service", description = "Annual\r\n\tflue check" });
        const string notes = "Gate code 1234\nDog in yard\r\n\tfriendly";

        var visit = await client.PostAsync($"/api/v1/jobs/{jobId}/visits", Http.Json(new { startsAt = "2027-01-05T09:00:00Z", notes }))
            .ExpectAsync(HttpStatusCode.Created);

        Assert.Equal(notes, visit.GetProperty("notes").GetString());
        var job = await client.GetAsync($"/api/v1/jobs/{jobId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Annual\r\n\tflue check", job.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.String, visit.GetProperty("id").ValueKind);
    }
}
