using System.Net;
using System.Text.Json;
using FieldCamp.Domain;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>An app whose clock the tests move, so "changed since" has a clear before and after.</summary>
public sealed class ResourceApp : IDisposable
{
    internal ManualTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public AppFactory App { get; }

    public ResourceApp() => App = new AppFactory { Clock = Clock };

    public void Dispose() => App.Dispose();
}

/// <summary>
/// The field-service resources through the real pipeline: each resource created, read, changed and deleted with its
/// scope, refused without it, confined to its branch, validated field by field, paged and filtered, and every change
/// written to the outbox with the record as the API returned it.
/// </summary>
public class ResourceApiTests(ResourceApp fixture) : IClassFixture<ResourceApp>
{
    private AppFactory App => fixture.App;

    /// <summary>A valid create body (given a client of the branch), a PATCH and the field it changes to what.</summary>
    private sealed record Case(Func<string, object> Body, object Patch, string PatchedField, string PatchedValue, string? CreatedEvent, string? UpdatedEvent);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["clients"] = new(_ => new { name = "Harbour Vets", email = "desk@harbour.example", phone = "+44 20 7946 0000", address = "1 Quay St" },
            new { phone = "020 7946 0001" }, "phone", "020 7946 0001", WebhookEventTypes.ClientCreated, WebhookEventTypes.ClientUpdated),
        ["jobs"] = new(clientId => new { clientId, title = "Boiler service", description = "Annual", scheduledFor = "2027-01-05T09:00:00Z" },
            new { title = "Boiler service and flue check" }, "title", "Boiler service and flue check", WebhookEventTypes.JobCreated, WebhookEventTypes.JobUpdated),
        ["invoices"] = new(clientId => new { clientId, number = AppFactory.UniqueName("INV"), dueOn = "2027-01-31",
                lines = new object[] { new { description = "Labour", quantity = 1.5, unitPrice = 60 }, new { description = "Valve", quantity = 2, unitPrice = 12.25 } } },
            new { dueOn = "2027-02-28" }, "dueOn", "2027-02-28", WebhookEventTypes.InvoiceCreated, WebhookEventTypes.InvoiceUpdated),
        ["items"] = new(_ => new { name = "Thermostat", description = "Wireless", sku = "TH-200", unitPrice = 89.99 },
            new { sku = "TH-201" }, "sku", "TH-201", null, null),
    };

    public static TheoryData<string> Writable => [.. Cases.Keys];
    public static TheoryData<string> Readable => [.. Cases.Keys, "visits"];

    private async Task<(HttpClient Client, TestKey Key)> ClientWithAsync(params string[] scopes)
    {
        var key = await App.CreateKeyAsync("acme", "North", scopes);
        return (App.CreateClient(key.Secret), key);
    }

    private static async Task<string> NewClientIdAsync(HttpClient client) =>
        (await client.PostAsync("/api/v1/clients", Http.Json(new { name = AppFactory.UniqueName("client") })).ExpectAsync(HttpStatusCode.Created))
            .GetProperty("id").GetString()!;

    private static async Task<Dictionary<string, string[]>> ExpectFieldErrorsAsync(HttpResponseMessage response)
    {
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        return problem.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Strings());
    }

    [Theory]
    [MemberData(nameof(Writable))]
    public async Task Crud_WithWriteScope_CreateGetListPatchDelete(string resource)
    {
        var (client, key) = await ClientWithAsync($"{resource}:write", "clients:write");
        var @case = Cases[resource];
        var path = $"/api/v1/{resource}";

        var clientId = await NewClientIdAsync(client);
        // Newest first: ids carry their millisecond, and this test's clock only moves when told to.
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var createdResponse = await client.PostAsync(path, Http.Json(@case.Body(clientId)));
        var created = await createdResponse.ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal($"{path}/{id}", createdResponse.Headers.Location?.OriginalString);
        Assert.Equal(key.Id, created.GetProperty("createdByKeyId").GetString());
        Assert.Equal(key.Id, created.GetProperty("updatedByKeyId").GetString());

        var got = await client.GetAsync($"{path}/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(JsonElement.DeepEquals(created, got), $"{created} vs {got}");
        var list = await client.GetAsync($"{path}?limit=5").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(id, list.GetProperty("data")[0].GetProperty("id").GetString());

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var patched = await client.PatchAsync($"{path}/{id}", @case.Patch).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(@case.PatchedValue, patched.GetProperty(@case.PatchedField).GetString());
        Assert.Equal(created.GetProperty("createdAt").GetDateTime(), patched.GetProperty("createdAt").GetDateTime());
        Assert.True(patched.GetProperty("updatedAt").GetDateTime() > created.GetProperty("updatedAt").GetDateTime());
        // Everything the PATCH left out is as it was.
        foreach (var property in created.EnumerateObject().Where(p => p.Name is not ("updatedAt") && p.Name != @case.PatchedField))
            Assert.True(JsonElement.DeepEquals(property.Value, patched.GetProperty(property.Name)), property.Name);

        await client.DeleteAsync($"{path}/{id}").ExpectAsync(HttpStatusCode.NoContent);
        await client.GetAsync($"{path}/{id}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [MemberData(nameof(Writable))]
    public async Task ReadScopeOnly_Reads200_Writes403NamingTheWriteScope(string resource)
    {
        var (client, _) = await ClientWithAsync($"{resource}:read");
        var path = $"/api/v1/{resource}";
        var any = (await client.GetAsync(path).ExpectAsync(HttpStatusCode.OK)).GetProperty("data")[0].GetProperty("id").GetString();
        await client.GetAsync($"{path}/{any}").ExpectAsync(HttpStatusCode.OK);

        foreach (var response in new[]
        {
            await client.PostAsync(path, Http.Json(Cases[resource].Body("cli_x"))),
            await client.PatchAsync($"{path}/{any}", Cases[resource].Patch),
            await client.DeleteAsync($"{path}/{any}"),
        })
        {
            var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
            Assert.Equal([$"{resource}:write"], problem.GetProperty("missingScopes").Strings());
        }
        await client.GetAsync($"{path}/{any}").ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public async Task OtherResourcesScope_Read403NamingTheReadScope(string resource)
    {
        var other = resource == "items" ? "clients:write" : "items:write";
        var (client, _) = await ClientWithAsync(other);

        foreach (var path in new[] { $"/api/v1/{resource}", $"/api/v1/{resource}/anything" })
        {
            var problem = await client.GetAsync(path).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
            Assert.Equal([$"{resource}:read"], problem.GetProperty("missingScopes").Strings());
        }
    }

    public static TheoryData<string, string, string?> ForeignRecords()
    {
        var data = new TheoryData<string, string, string?>();
        foreach (var resource in new[] { "clients", "jobs", "visits", "invoices", "items" })
        {
            data.Add(resource, "acme", "South");
            data.Add(resource, "globex", null);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ForeignRecords))]
    public async Task AnotherBranchsOrCompanysId_404AndUntouched(string resource, string company, string? branch)
    {
        var (client, _) = await ClientWithAsync("*");
        var (_, branchId) = await App.TenantAsync(company, branch);
        await using var db = await App.CreateDbContextAsync();
        BranchRecord target = resource switch
        {
            "clients" => await db.Clients.AsNoTracking().FirstAsync(r => r.BranchId == branchId),
            "jobs" => await db.Jobs.AsNoTracking().FirstAsync(r => r.BranchId == branchId),
            "visits" => await db.Visits.AsNoTracking().FirstAsync(r => r.BranchId == branchId),
            "invoices" => await db.Invoices.AsNoTracking().FirstAsync(r => r.BranchId == branchId),
            _ => await db.Items.AsNoTracking().FirstAsync(r => r.BranchId == branchId),
        };
        var path = $"/api/v1/{resource}/{target.Id}";
        var patch = resource == "visits" ? new { status = "cancelled" } : Cases[resource].Patch;

        var responses = new List<HttpResponseMessage> { await client.GetAsync(path), await client.PatchAsync(path, patch) };
        if (resource != "visits") responses.Add(await client.DeleteAsync(path));
        if (resource == "jobs")
        {
            responses.Add(await client.GetAsync($"{path}/visits"));
            responses.Add(await client.PostAsync($"{path}/visits", Http.Json(new { startsAt = "2027-01-01T09:00:00Z" })));
        }

        foreach (var response in responses) await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await using var after = await App.CreateDbContextAsync();
        var updatedAt = resource switch
        {
            "clients" => await after.Clients.Where(r => r.Id == target.Id).Select(r => (DateTime?)r.UpdatedAt).SingleOrDefaultAsync(),
            "jobs" => await after.Jobs.Where(r => r.Id == target.Id).Select(r => (DateTime?)r.UpdatedAt).SingleOrDefaultAsync(),
            "visits" => await after.Visits.Where(r => r.Id == target.Id).Select(r => (DateTime?)r.UpdatedAt).SingleOrDefaultAsync(),
            "invoices" => await after.Invoices.Where(r => r.Id == target.Id).Select(r => (DateTime?)r.UpdatedAt).SingleOrDefaultAsync(),
            _ => await after.Items.Where(r => r.Id == target.Id).Select(r => (DateTime?)r.UpdatedAt).SingleOrDefaultAsync(),
        };
        Assert.Equal(target.UpdatedAt, updatedAt);
    }

    [Theory]
    [InlineData("jobs")]
    [InlineData("invoices")]
    public async Task ReferenceToAnotherBranchsClient_400OnClientId(string resource)
    {
        var (client, _) = await ClientWithAsync("*");
        var (_, southId) = await App.TenantAsync("acme", "South");
        await using var db = await App.CreateDbContextAsync();
        var southClient = await db.Clients.AsNoTracking().FirstAsync(c => c.BranchId == southId);
        var mine = await NewClientIdAsync(client);
        var created = await client.PostAsync($"/api/v1/{resource}", Http.Json(Cases[resource].Body(mine))).ExpectAsync(HttpStatusCode.Created);

        var onCreate = await ExpectFieldErrorsAsync(await client.PostAsync($"/api/v1/{resource}", Http.Json(Cases[resource].Body(southClient.Id))));
        var onUpdate = await ExpectFieldErrorsAsync(await client.PatchAsync($"/api/v1/{resource}/{created.GetProperty("id").GetString()}",
            new { clientId = southClient.Id }));

        Assert.Contains("clientId", onCreate.Keys);
        Assert.Contains("clientId", onUpdate.Keys);
        Assert.DoesNotContain(southClient.Name, string.Join(" ", onCreate.Values.SelectMany(v => v)));
    }

    public static TheoryData<string, string, string> InvalidCreates => new()
    {
        { "clients", """{"name":""}""", "name" },
        { "clients", """{"email":"a@b.example"}""", "name" },
        { "clients", $$"""{"name":"{{new string('n', 201)}}"}""", "name" },
        { "clients", """{"name":"x","email":"not-an-address"}""", "email" },
        { "clients", """{"name":"x","email":"two@@at.example"}""", "email" },
        { "clients", """{"name":"x","phone":"call me"}""", "phone" },
        { "clients", """{"name":"x","phone":"12"}""", "phone" },
        { "clients", $$"""{"name":"x","address":"{{new string('a', 501)}}"}""", "address" },
        { "jobs", """{"clientId":"CLIENT","title":" "}""", "title" },
        { "jobs", """{"title":"x"}""", "clientId" },
        { "jobs", """{"clientId":"cli_doesnotexist","title":"x"}""", "clientId" },
        { "jobs", """{"clientId":"CLIENT","title":"x","status":"done"}""", "status" },
        { "invoices", """{"clientId":"CLIENT"}""", "number" },
        { "invoices", """{"clientId":"CLIENT","number":"N1","lines":[{"description":"x","quantity":1,"unitPrice":12.345}]}""", "lines[0].unitPrice" },
        { "invoices", """{"clientId":"CLIENT","number":"N1","lines":[{"description":"x","quantity":1,"unitPrice":-1}]}""", "lines[0].unitPrice" },
        { "invoices", """{"clientId":"CLIENT","number":"N1","lines":[{"description":"x","quantity":0,"unitPrice":1}]}""", "lines[0].quantity" },
        { "invoices", """{"clientId":"CLIENT","number":"N1","lines":[{"quantity":1,"unitPrice":1}]}""", "lines[0].description" },
        { "invoices", """{"clientId":"CLIENT","number":"N1","lines":[{"description":"x","quantity":1}]}""", "lines[0].unitPrice" },
        { "invoices", """{"clientId":"CLIENT","number":"N1","lines":[null]}""", "lines[0]" },
        { "items", """{"name":"x"}""", "unitPrice" },
        { "items", """{"name":"x","unitPrice":1.001}""", "unitPrice" },
        { "items", """{"name":"x","unitPrice":100000000}""", "unitPrice" },
        { "items", """{"unitPrice":1}""", "name" },
        { "items", $$"""{"name":"x","unitPrice":1,"sku":"{{new string('s', 65)}}"}""", "sku" },
    };

    [Theory]
    [MemberData(nameof(InvalidCreates))]
    public async Task InvalidCreate_400NamingTheField_NothingStoredNoEvent(string resource, string body, string field)
    {
        var (client, _) = await ClientWithAsync("*");
        var clientId = await NewClientIdAsync(client);
        await using var db = await App.CreateDbContextAsync();
        var events = await db.Outbox.CountAsync();

        var errors = await ExpectFieldErrorsAsync(await client.PostAsync($"/api/v1/{resource}", Http.RawJson(body.Replace("CLIENT", clientId))));

        Assert.Contains(field, errors.Keys);
        Assert.NotEmpty(errors[field]);
        Assert.Equal(events, await db.Outbox.CountAsync());
    }

    public static TheoryData<string, string, string> InvalidPatches => new()
    {
        { "clients", """{"name":null}""", "name" },
        { "clients", """{"name":""}""", "name" },
        { "clients", """{"email":"nope"}""", "email" },
        { "jobs", """{"title":null}""", "title" },
        { "jobs", """{"clientId":null}""", "clientId" },
        { "jobs", """{"status":null}""", "status" },
        { "invoices", """{"number":null}""", "number" },
        { "invoices", """{"lines":null}""", "lines" },
        { "invoices", """{"status":"lost"}""", "status" },
        { "items", """{"unitPrice":null}""", "unitPrice" },
        { "items", """{"unitPrice":0.005}""", "unitPrice" },
        { "items", """{"name":null}""", "name" },
    };

    [Theory]
    [MemberData(nameof(InvalidPatches))]
    public async Task InvalidPatch_400NamingTheField_RecordAndOutboxUnchanged(string resource, string body, string field)
    {
        var (client, _) = await ClientWithAsync("*");
        var created = await client.PostAsync($"/api/v1/{resource}", Http.Json(Cases[resource].Body(await NewClientIdAsync(client))))
            .ExpectAsync(HttpStatusCode.Created);
        var path = $"/api/v1/{resource}/{created.GetProperty("id").GetString()}";
        await using var db = await App.CreateDbContextAsync();
        var events = await db.Outbox.CountAsync();

        var errors = await ExpectFieldErrorsAsync(await client.PatchAsync(path, Http.RawJson(body)));

        Assert.Contains(field, errors.Keys);
        Assert.True(JsonElement.DeepEquals(created, await client.GetAsync(path).ExpectAsync(HttpStatusCode.OK)));
        Assert.Equal(events, await db.Outbox.CountAsync());
    }

    [Fact]
    public async Task Patch_AbsentKeepsNullClearsOptionalFields()
    {
        var (client, _) = await ClientWithAsync("clients:write");
        var created = await client.PostAsync("/api/v1/clients", Http.Json(Cases["clients"].Body(""))).ExpectAsync(HttpStatusCode.Created);
        var path = $"/api/v1/clients/{created.GetProperty("id").GetString()}";

        var patched = await client.PatchAsync(path, Http.RawJson("""{"email":null,"address":null}""")).ExpectAsync(HttpStatusCode.OK);

        Assert.True(patched.IsNull("email"));
        Assert.True(patched.IsNull("address"));
        Assert.Equal(created.GetProperty("name").GetString(), patched.GetProperty("name").GetString());
        Assert.Equal(created.GetProperty("phone").GetString(), patched.GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Patch_UnknownProperty_400()
    {
        var (client, _) = await ClientWithAsync("items:write");
        var created = await client.PostAsync("/api/v1/items", Http.Json(Cases["items"].Body(""))).ExpectAsync(HttpStatusCode.Created);

        await client.PatchAsync($"/api/v1/items/{created.GetProperty("id").GetString()}", Http.RawJson("""{"unit_price":5}"""))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Invoice_TotalIsTheSumOfItsLines_MoneyAsNumbers()
    {
        var (client, _) = await ClientWithAsync("invoices:write", "clients:write");

        var invoice = await client.PostAsync("/api/v1/invoices", Http.Json(Cases["invoices"].Body(await NewClientIdAsync(client))))
            .ExpectAsync(HttpStatusCode.Created);

        // 1.5 × 60 + 2 × 12.25
        Assert.Equal(114.5m, invoice.GetProperty("total").GetDecimal());
        Assert.Equal("draft", invoice.GetProperty("status").GetString());
        Assert.Equal([90m, 24.5m], invoice.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("amount").GetDecimal()));
        var changed = await client.PatchAsync($"/api/v1/invoices/{invoice.GetProperty("id").GetString()}",
            new { lines = new[] { new { description = "Call-out", quantity = 1, unitPrice = 45 } } }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(45m, changed.GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task Invoice_NumberTakenInTheBranch_400OnNumber()
    {
        var (client, _) = await ClientWithAsync("invoices:write", "clients:write");
        var clientId = await NewClientIdAsync(client);
        var first = await client.PostAsync("/api/v1/invoices", Http.Json(Cases["invoices"].Body(clientId))).ExpectAsync(HttpStatusCode.Created);

        var errors = await ExpectFieldErrorsAsync(await client.PostAsync("/api/v1/invoices",
            Http.Json(new { clientId, number = first.GetProperty("number").GetString() })));

        Assert.Contains("number", errors.Keys);
    }

    [Fact]
    public async Task Invoice_MovesDraftSentPaidVoid_ForbiddenMovesAndEdits409()
    {
        var (client, _) = await ClientWithAsync("invoices:write", "clients:write");
        var created = await client.PostAsync("/api/v1/invoices", Http.Json(Cases["invoices"].Body(await NewClientIdAsync(client))))
            .ExpectAsync(HttpStatusCode.Created);
        var path = $"/api/v1/invoices/{created.GetProperty("id").GetString()}";

        await client.PatchAsync(path, new { status = "paid" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.PatchAsync(path, new { status = "void" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Equal("sent", (await client.PatchAsync(path, new { status = "sent" }).ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        var edit = await client.PatchAsync(path, new { lines = Array.Empty<object>() }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Equal("The invoice is sent; its lines change only while it is a draft.", edit.GetProperty("detail").GetString());
        var renumber = await client.PatchAsync(path, new { number = "X-1" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Equal("The invoice is sent; its number changes only while it is a draft.", renumber.GetProperty("detail").GetString());
        var both = await client.PatchAsync(path, new { number = "X-1", clientId = await NewClientIdAsync(client), lines = Array.Empty<object>() })
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Equal("The invoice is sent; its number, client and lines change only while it is a draft.", both.GetProperty("detail").GetString());
        await client.PatchAsync(path, new { status = "draft" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        var delete = await client.DeleteAsync(path).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Contains("void", delete.GetProperty("detail").GetString());
        await client.PatchAsync(path, new { status = "paid" }).ExpectAsync(HttpStatusCode.OK);
        await client.DeleteAsync(path).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.PatchAsync(path, new { status = "void" }).ExpectAsync(HttpStatusCode.OK);
        await client.PatchAsync(path, new { status = "paid" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.DeleteAsync(path).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Equal("void", (await client.GetAsync(path).ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Client_WithJobsOrInvoices_Delete409NamingWhy()
    {
        var (client, _) = await ClientWithAsync("clients:write", "jobs:write", "invoices:write");
        var clientId = await NewClientIdAsync(client);
        var job = await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(clientId))).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/invoices", Http.Json(Cases["invoices"].Body(clientId))).ExpectAsync(HttpStatusCode.Created);

        await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(clientId))).ExpectAsync(HttpStatusCode.Created);
        await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(clientId))).ExpectAsync(HttpStatusCode.Created);

        var problem = await client.DeleteAsync($"/api/v1/clients/{clientId}").ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Equal("This client has 3 jobs and 1 draft invoice. Delete them or move them to another client (PATCH clientId) first.",
            problem.GetProperty("detail").GetString());
        await client.GetAsync($"/api/v1/clients/{clientId}").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync($"/api/v1/jobs/{job.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Client_WithASentInvoice_Delete409SaysItStays()
    {
        var (client, _) = await ClientWithAsync("clients:write", "invoices:write");
        var clientId = await NewClientIdAsync(client);
        var invoice = await client.PostAsync("/api/v1/invoices", Http.Json(Cases["invoices"].Body(clientId))).ExpectAsync(HttpStatusCode.Created);
        await client.PatchAsync($"/api/v1/invoices/{invoice.GetProperty("id").GetString()}", new { status = "sent" }).ExpectAsync(HttpStatusCode.OK);

        var problem = await client.DeleteAsync($"/api/v1/clients/{clientId}").ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Equal("This client has 1 sent, paid or void invoice. An invoice that was sent stays on record, so this client cannot be deleted.",
            problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Job_WithACompletedVisit_Delete409_OtherwiseItsVisitsGoWithIt()
    {
        var (client, _) = await ClientWithAsync("clients:write", "jobs:write", "visits:write");
        var clientId = await NewClientIdAsync(client);
        var done = (await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(clientId))).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var open = (await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(clientId))).ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        var doneVisit = await CreateVisitAsync(client, done!);
        var openVisit = await CreateVisitAsync(client, open!);
        await client.PatchAsync($"/api/v1/visits/{doneVisit}", new { status = "completed" }).ExpectAsync(HttpStatusCode.OK);

        var problem = await client.DeleteAsync($"/api/v1/jobs/{done}").ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.DeleteAsync($"/api/v1/jobs/{open}").ExpectAsync(HttpStatusCode.NoContent);

        Assert.Equal("This job has a completed visit: work was done, so it stays on record. Set its status to completed or cancelled instead.",
            problem.GetProperty("detail").GetString());
        await client.GetAsync($"/api/v1/visits/{doneVisit}").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync($"/api/v1/visits/{openVisit}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Job_FinalStatusStays_AndTakesNoNewVisits409()
    {
        var (client, _) = await ClientWithAsync("clients:write", "jobs:write", "visits:write");
        var job = (await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(await NewClientIdAsync(client))))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        await client.PatchAsync($"/api/v1/jobs/{job}", new { status = "cancelled" }).ExpectAsync(HttpStatusCode.OK);

        await client.PatchAsync($"/api/v1/jobs/{job}", new { status = "scheduled" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await client.PostAsync($"/api/v1/jobs/{job}/visits", Http.Json(new { startsAt = "2027-01-01T09:00:00Z" }))
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
    }

    private static async Task<string> CreateVisitAsync(HttpClient client, string jobId)
    {
        var response = await client.PostAsync($"/api/v1/jobs/{jobId}/visits", Http.Json(new { startsAt = "2027-01-04T08:30:00Z", notes = "Ring the bell" }));
        var visit = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"/api/v1/visits/{visit.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return visit.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Visit_ThroughItsDay_StampsArrivalAndCompletion_EachChangeAnEvent()
    {
        var (setup, _) = await ClientWithAsync("clients:write", "jobs:write");
        var job = (await setup.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(await NewClientIdAsync(setup))))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var (client, key) = await ClientWithAsync("visits:write");
        var visit = await CreateVisitAsync(client, job);
        var path = $"/api/v1/visits/{visit}";

        Assert.Equal("en_route", (await client.PatchAsync(path, new { status = "en_route" }).ExpectAsync(HttpStatusCode.OK)).GetProperty("status").GetString());
        fixture.Clock.Advance(TimeSpan.FromMinutes(20));
        var arrived = await client.PatchAsync(path, new { status = "arrived" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(fixture.Clock.UtcNow, arrived.GetProperty("arrivedAt").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        await client.PatchAsync(path, new { status = "en_route" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        fixture.Clock.Advance(TimeSpan.FromMinutes(45));
        var completed = await client.PatchAsync(path, new { status = "completed", notes = "Replaced the valve" }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(fixture.Clock.UtcNow, completed.GetProperty("completedAt").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Equal("Replaced the valve", completed.GetProperty("notes").GetString());
        Assert.Equal(key.Id, completed.GetProperty("updatedByKeyId").GetString());
        var final = await client.PatchAsync(path, new { status = "cancelled" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        Assert.Contains("completed", final.GetProperty("detail").GetString());

        var list = await client.GetAsync($"/api/v1/jobs/{job}/visits").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([visit], list.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("id").GetString()));
        await using var db = await App.CreateDbContextAsync();
        var events = await db.Outbox.AsNoTracking().Where(e => e.Type == WebhookEventTypes.VisitUpdated && e.Data.Contains(visit)).OrderBy(e => e.Seq).ToListAsync();
        Assert.Equal(["en_route", "arrived", "completed"],
            events.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("status").GetString()));
        Assert.True(JsonElement.DeepEquals(completed, JsonDocument.Parse(events[^1].Data).RootElement));
    }

    [Fact]
    public async Task Visit_TimesOnlyWithTheirStatus_AndInOrder_400()
    {
        var (client, _) = await ClientWithAsync("clients:write", "jobs:write", "visits:write");
        var job = (await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(await NewClientIdAsync(client))))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var path = $"/api/v1/visits/{await CreateVisitAsync(client, job)}";

        Assert.Contains("arrivedAt", (await ExpectFieldErrorsAsync(await client.PatchAsync(path, new { arrivedAt = "2026-11-04T08:40:00Z" }))).Keys);
        Assert.Contains("completedAt", (await ExpectFieldErrorsAsync(await client.PatchAsync(path,
            new { status = "completed", arrivedAt = "2026-11-04T09:00:00Z", completedAt = "2026-11-04T08:00:00Z" }))).Keys);
        Assert.Contains("status", (await ExpectFieldErrorsAsync(await client.PatchAsync(path, new { status = "done" }))).Keys);

        var given = await client.PatchAsync(path, new { status = "completed", arrivedAt = "2026-11-04T08:40:00Z", completedAt = "2026-11-04T10:05:00Z" })
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(new DateTime(2026, 11, 4, 10, 5, 0, DateTimeKind.Utc), given.GetProperty("completedAt").GetDateTime().ToUniversalTime());
        await client.PatchAsync(path, new { startsAt = "2027-02-01T08:00:00Z" }).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
    }

    [Fact]
    public async Task Visits_WritesNeedVisitsWrite_JobsWriteIsNotEnough()
    {
        var (client, _) = await ClientWithAsync("jobs:write", "clients:write", "visits:read");
        var job = (await client.PostAsync("/api/v1/jobs", Http.Json(Cases["jobs"].Body(await NewClientIdAsync(client))))
            .ExpectAsync(HttpStatusCode.Created)).GetProperty("id").GetString();
        await using var db = await App.CreateDbContextAsync();
        var visit = await db.Visits.AsNoTracking().FirstAsync(v => v.BranchId == db.Jobs.Single(j => j.Id == job).BranchId);

        foreach (var response in new[]
        {
            await client.PostAsync($"/api/v1/jobs/{job}/visits", Http.Json(new { startsAt = "2027-01-01T09:00:00Z" })),
            await client.PatchAsync($"/api/v1/visits/{visit.Id}", new { status = "cancelled" }),
        })
        {
            var problem = await response.ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");
            Assert.Equal(["visits:write"], problem.GetProperty("missingScopes").Strings());
        }
        await client.GetAsync($"/api/v1/visits/{visit.Id}").ExpectAsync(HttpStatusCode.OK);
        await client.GetAsync($"/api/v1/jobs/{job}/visits").ExpectAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("clients")]
    [InlineData("jobs")]
    [InlineData("invoices")]
    public async Task CreateAndUpdate_WriteTheirEventWithTheRecordAsReturned(string resource)
    {
        var (client, key) = await ClientWithAsync($"{resource}:write", "clients:write");
        var @case = Cases[resource];
        var created = await client.PostAsync($"/api/v1/{resource}", Http.Json(@case.Body(await NewClientIdAsync(client)))).ExpectAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var patched = await client.PatchAsync($"/api/v1/{resource}/{id}", @case.Patch).ExpectAsync(HttpStatusCode.OK);
        // The same values again change nothing, and say nothing.
        await client.PatchAsync($"/api/v1/{resource}/{id}", @case.Patch).ExpectAsync(HttpStatusCode.OK);

        await using var db = await App.CreateDbContextAsync();
        var events = await db.Outbox.AsNoTracking().Where(e => e.Data.Contains(id) && e.Type.StartsWith(resource.TrimEnd('s')))
            .OrderBy(e => e.Seq).ToListAsync();
        Assert.Equal([@case.CreatedEvent, @case.UpdatedEvent], events.Select(e => e.Type));
        Assert.True(JsonElement.DeepEquals(created, JsonDocument.Parse(events[0].Data).RootElement), events[0].Data);
        Assert.True(JsonElement.DeepEquals(patched, JsonDocument.Parse(events[1].Data).RootElement), events[1].Data);
        Assert.All(events, e => Assert.Equal((key.CompanyId, key.BranchId), (e.CompanyId, e.BranchId)));
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public async Task Paging_250Records_EachReturnedExactlyOnce_NewestFirst(string resource)
    {
        var (client, key) = await ClientWithAsync($"{resource}:read");
        var mine = await InsertAsync(resource, key.BranchId, 250);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.GetAsync($"/api/v1/{resource}?limit=200{(cursor is null ? "" : $"&cursor={cursor}")}").ExpectAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null && pages < 100);

        Assert.True(pages >= 2);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(mine, id => Assert.Single(seen, id));
        Assert.Equal(seen.OrderByDescending(id => id, StringComparer.Ordinal), seen);
    }

    /// <summary>Stores <paramref name="count"/> records straight into the branch, a millisecond apart.</summary>
    private async Task<List<string>> InsertAsync(string resource, string branchId, int count)
    {
        await using var db = await App.CreateDbContextAsync();
        var clientId = await db.Clients.Where(c => c.BranchId == branchId).Select(c => c.Id).FirstAsync();
        var jobId = await db.Jobs.Where(c => c.BranchId == branchId).Select(c => c.Id).FirstAsync();
        var ids = new List<string>();
        var start = fixture.Clock.UtcNow;
        for (var i = 0; i < count; i++)
        {
            var at = start.AddMilliseconds(i);
            BranchRecord record = resource switch
            {
                "clients" => new Client { Name = $"Paged {i}" },
                "jobs" => new Job { ClientId = clientId, Title = $"Paged {i}" },
                "visits" => new Visit { JobId = jobId, StartsAt = at },
                "invoices" => new Invoice { ClientId = clientId, Number = AppFactory.UniqueName("P") },
                _ => new Item { Name = $"Paged {i}", UnitPriceCents = i },
            };
            (record.Id, record.BranchId, record.CreatedAt, record.UpdatedAt) = (Ids.New(resource switch { "clients" => "cli", "jobs" => "job", "visits" => "vis", "invoices" => "inv", _ => "itm" }, at), branchId, at, at);
            db.Add(record);
            ids.Add(record.Id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    [Fact]
    public async Task UpdatedSince_OnlyRecordsChangedFromThatInstant()
    {
        var (client, _) = await ClientWithAsync("clients:write");
        var old = await NewClientIdAsync(client);
        var untouched = await NewClientIdAsync(client);
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var since = fixture.Clock.UtcNow;
        await client.PatchAsync($"/api/v1/clients/{old}", new { address = "2 New Road" }).ExpectAsync(HttpStatusCode.OK);
        var fresh = await NewClientIdAsync(client);

        var seen = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync($"/api/v1/clients?limit=200&updatedSince={Uri.EscapeDataString(since.ToString("O"))}" +
                $"{(cursor is null ? "" : $"&cursor={cursor}")}").ExpectAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("data").EnumerateArray());
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);

        var ids = seen.Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Contains(old, ids);
        Assert.Contains(fresh, ids);
        Assert.DoesNotContain(untouched, ids);
        Assert.All(seen, c => Assert.True(c.GetProperty("updatedAt").GetDateTime().ToUniversalTime() >= since));
        // An offset other than Z, and a '+' that arrived as a space, mean the same instant.
        var plus = since.AddHours(2).ToString("yyyy-MM-ddTHH:mm:ss.fffffff") + " 02:00";
        var same = await client.GetAsync($"/api/v1/clients?limit=200&updatedSince={plus}").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(old, same.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("updatedSince=yesterday", "updatedSince")]
    [InlineData("updatedSince=2026-12-01", "updatedSince")]
    [InlineData("updatedSince=2026-12-01T09:30:00", "updatedSince")]
    [InlineData("updatedSince=2026-13-01T09:30:00Z", "updatedSince")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("cursor=key_abc", "cursor")]
    public async Task List_BadQuery_400NamingTheParameter(string query, string field)
    {
        var (client, _) = await ClientWithAsync("clients:read");

        var errors = await ExpectFieldErrorsAsync(await client.GetAsync($"/api/v1/clients?{query}"));

        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public async Task LegacyToken_Writes_RecordNamesNoKey()
    {
        using var client = App.CreateClient(LegacyTokens.Create(new() { ["company"] = "acme" }));

        var created = await client.PostAsync("/api/v1/items", Http.Json(Cases["items"].Body(""))).ExpectAsync(HttpStatusCode.Created);

        Assert.True(created.IsNull("createdByKeyId"));
        Assert.True(created.IsNull("updatedByKeyId"));
    }

    [Fact, Trait("Store", TestStore.SqliteOnly)] // the SQLite migration that added invoice lines; PostgreSQL began with them
    public async Task InvoiceFromBeforeLines_AsTheMigrationRewritesIt_ReadsBack()
    {
        var (client, key) = await ClientWithAsync("invoices:read");
        await using var db = await App.CreateDbContextAsync();
        var clientId = await db.Clients.Where(c => c.BranchId == key.BranchId).Select(c => c.Id).FirstAsync();
        var id = Ids.New("inv", fixture.Clock.UtcNow);
        await db.Invoices.AddAsync(new Invoice { Id = id, BranchId = key.BranchId, ClientId = clientId, Number = AppFactory.UniqueName("OLD"), TotalCents = 12_345 });
        await db.SaveChangesAsync();
        // The FieldResources migration's SQL, for a row stored before invoices had lines.
        await db.Database.ExecuteSqlRawAsync("""
            UPDATE "Invoices" SET "Lines" = json_array(json_object('Description', 'Invoice ' || "Number", 'Quantity', '1.0', 'UnitPriceCents', "TotalCents"))
            WHERE "Id" = {0};
            """, id);

        var invoice = await client.GetAsync($"/api/v1/invoices/{id}").ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(123.45m, invoice.GetProperty("total").GetDecimal());
        Assert.Equal(123.45m, invoice.GetProperty("lines")[0].GetProperty("amount").GetDecimal());
    }
}
