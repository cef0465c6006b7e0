using System.Net;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// A paging cursor works only on the list that issued it: another branch's, another company's or another resource's
/// list refuses it with a 400 on <c>cursor</c>. Cursors are sealed, so an id (or an edited cursor) is no cursor.
/// </summary>
public class CursorBindingTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string OtherList = "This cursor belongs to another list; pass the nextCursor this list gave.";
    private const string Garbled = "Pass the nextCursor of a previous page.";

    private async Task<HttpClient> ClientAsync(string company, string? branch) =>
        app.CreateClient((await app.CreateKeyAsync(company, branch, ["clients:write", "jobs:write", "visits:write", "integrations:write"])).Secret);

    private static async Task<string> IdOfAsync(HttpClient client, string path, object body) =>
        (await client.PostAsync(path, Http.Json(body)).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    private static async Task<string> NextCursorAsync(HttpClient client, string path)
    {
        var page = await client.GetAsync($"{path}?limit=1").ExpectAsync(HttpStatusCode.OK);
        return page.GetProperty("nextCursor").GetString()!;
    }

    private static async Task<string> RefusedAsync(HttpClient client, string path, string cursor)
    {
        var problem = await client.GetAsync($"{path}?cursor={cursor}").ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors").EnumerateObject().ToList();
        Assert.Equal("cursor", Assert.Single(errors).Name);
        return errors[0].Value[0].GetString()!;
    }

    [Fact]
    public async Task A_cursor_is_refused_by_another_branchs_company_s_or_resource_s_list_and_pages_its_own()
    {
        var north = await ClientAsync("acme", "North");
        var south = await ClientAsync("acme", "South");
        var globex = await ClientAsync("globex", null);
        foreach (var client in new[] { north, south, globex })
        {
            var clientId = await IdOfAsync(client, "/api/v1/clients", new { name = "Harbour Vets" });
            await IdOfAsync(client, "/api/v1/clients", new { name = "Quay Dental" });
            await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Boiler service" });
            await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Flue check" });
        }
        var cursor = await NextCursorAsync(north, "/api/v1/clients");

        Assert.Equal(OtherList, await RefusedAsync(south, "/api/v1/clients", cursor));
        Assert.Equal(OtherList, await RefusedAsync(globex, "/api/v1/clients", cursor));
        Assert.Equal(OtherList, await RefusedAsync(north, "/api/v1/jobs", cursor));
        Assert.Equal(OtherList, await RefusedAsync(north, "/api/v1/visits", cursor));
        Assert.Equal(OtherList, await RefusedAsync(north, "/api/v1/webhooks", cursor));
        var next = await north.GetAsync($"/api/v1/clients?limit=1&cursor={cursor}").ExpectAsync(HttpStatusCode.OK);
        Assert.Single(next.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task A_cursor_of_one_job_s_visits_is_refused_by_another_job_s()
    {
        var client = await ClientAsync("acme", "North");
        var clientId = await IdOfAsync(client, "/api/v1/clients", new { name = "Harbour Vets" });
        var first = await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Boiler service" });
        var second = await IdOfAsync(client, "/api/v1/jobs", new { clientId, title = "Flue check" });
        foreach (var job in new[] { first, second })
        for (var i = 0; i < 2; i++)
            await IdOfAsync(client, $"/api/v1/jobs/{job}/visits", new { startsAt = "2027-01-05T09:00:00Z" });

        var cursor = await NextCursorAsync(client, $"/api/v1/jobs/{first}/visits");

        Assert.Equal(OtherList, await RefusedAsync(client, $"/api/v1/jobs/{second}/visits", cursor));
        await client.GetAsync($"/api/v1/jobs/{first}/visits?cursor={cursor}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_cursor_reveals_no_id_and_an_id_or_an_edited_cursor_is_no_cursor()
    {
        var client = await ClientAsync("acme", "North");
        await IdOfAsync(client, "/api/v1/clients", new { name = "Harbour Vets" });
        await IdOfAsync(client, "/api/v1/clients", new { name = "Quay Dental" });
        var first = await client.GetAsync("/api/v1/clients?limit=1").ExpectAsync(HttpStatusCode.OK);
        var lastId = first.GetProperty("data")[0].GetProperty("id").GetString()!;
        var cursor = first.GetProperty("nextCursor").GetString()!;

        Assert.DoesNotContain(lastId, cursor);
        Assert.DoesNotContain(lastId["cli_".Length..], cursor);
        Assert.Equal(Garbled, await RefusedAsync(client, "/api/v1/clients", lastId));
        var edited = cursor[..^2] + (cursor[^2] == 'A' ? 'B' : 'A') + cursor[^1];
        Assert.Equal(Garbled, await RefusedAsync(client, "/api/v1/clients", edited));
    }
}
