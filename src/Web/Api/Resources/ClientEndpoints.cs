using System.Security.Claims;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

/// <summary><c>/api/v1/clients</c>. A client with jobs or invoices cannot be deleted: they would point at nothing.</summary>
internal static class ClientEndpoints
{
    public static readonly Resource<Client, ClientDto> Resource =
        new("clients", "Client", "Clients", "cli", db => db.Clients, ClientDto.From);

    public static void MapClientEndpoints(this RouteGroupBuilder api)
    {
        var (group, _, write) = api.MapReads(Resource);
        group.MapPost("/", CreateClient).RequireScope(write).WithName(nameof(CreateClient).Camel()).WithSummary("Create a client.");
        group.MapPatch("/{id}", UpdateClient).RequireScope(write).WithName(nameof(UpdateClient).Camel())
            .WithSummary("Change a client: fields left out stay, null clears email, phone or address.");
        group.MapDelete("/{id}", DeleteClient).RequireScope(write).WithName(nameof(DeleteClient).Camel())
            .WithSummary("Delete a client that has no jobs or invoices.");
    }

    public static async Task<Results<Created<ClientDto>, ValidationProblem>> CreateClient(
        CreateClientRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var check = new FieldCheck();
        var name = check.Required("name", request.Name, InputLimits.ClientName, "the client a name");
        var email = check.Email("email", request.Email);
        var phone = check.Phone("phone", request.Phone);
        var address = check.Optional("address", request.Address, InputLimits.Address, "An address");
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        var writer = ResourceWriter.From(user, time);
        var client = writer.New<Client>(Resource.IdPrefix);
        (client.Name, client.Email, client.Phone, client.Address) = (name, email, phone, address);
        db.Clients.Add(client);
        var dto = ClientDto.From(client);
        writer.Publish(db, WebhookEventTypes.ClientCreated, dto);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(Resource.Location(client.Id), dto);
    }

    public static async Task<Results<Ok<ClientDto>, ValidationProblem, ProblemHttpResult>> UpdateClient(
        string id, UpdateClientRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var client = await Resource.FindAsync(db, writer.BranchId, id, cancellationToken);
        if (client is null) return ApiProblems.NotFound(Resource.Name);

        var check = new FieldCheck();
        if (request.Has(nameof(request.Name)))
        {
            if (request.Name is null) check.NotCleared("name");
            else client.Name = check.Required("name", request.Name, InputLimits.ClientName, "the client a name");
        }
        if (request.Has(nameof(request.Email))) client.Email = check.Email("email", request.Email);
        if (request.Has(nameof(request.Phone))) client.Phone = check.Phone("phone", request.Phone);
        if (request.Has(nameof(request.Address))) client.Address = check.Optional("address", request.Address, InputLimits.Address, "An address");
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        return TypedResults.Ok(await FieldDataEndpoints.SaveChangeAsync(db, writer, client, WebhookEventTypes.ClientUpdated, ClientDto.From, cancellationToken));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteClient(
        string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken)
    {
        var branchId = ApiCaller.From(user).Tenant.BranchId;
        var client = await Resource.FindAsync(db, branchId, id, cancellationToken);
        if (client is null) return ApiProblems.NotFound(Resource.Name);
        if (await StillInUseAsync(db, branchId, id, cancellationToken) is { } inUse) return inUse;
        db.Clients.Remove(client);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (ConstraintViolation.IsForeignKey(e))
        {
            // A job or invoice was created for the client after the check: the foreign key kept the client.
            return await StillInUseAsync(db, branchId, id, cancellationToken)
                ?? FieldDataEndpoints.InvalidState("This client has jobs or invoices; delete them or move them to another client first.");
        }
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Why the client cannot go, with what stops it and what the caller can do: jobs and draft invoices can be deleted
    /// or moved to another client; a sent, paid or void invoice stays on record, and so does its client.
    /// </summary>
    private static async Task<ProblemHttpResult?> StillInUseAsync(AppDbContext db, string branchId, string id, CancellationToken cancellationToken)
    {
        var jobs = await db.Jobs.CountAsync(j => j.ClientId == id && j.BranchId == branchId, cancellationToken);
        var invoices = await db.Invoices.Where(i => i.ClientId == id && i.BranchId == branchId)
            .GroupBy(i => i.Status == InvoiceStatus.Draft).Select(g => new { Draft = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var drafts = invoices.Where(g => g.Draft).Sum(g => g.Count);
        var issued = invoices.Where(g => !g.Draft).Sum(g => g.Count);
        if (jobs + drafts + issued == 0) return null;

        var has = new List<string>();
        if (jobs > 0) has.Add(Count(jobs, "job"));
        if (drafts > 0) has.Add(Count(drafts, "draft invoice"));
        if (issued > 0) has.Add(Count(issued, "sent, paid or void invoice"));
        var what = has.Count == 1 ? has[0] : $"{string.Join(", ", has[..^1])} and {has[^1]}";
        var todo = issued > 0
            ? $"{(issued == 1 ? "An invoice that was sent stays" : "Invoices that were sent stay")} on record, so this client cannot be deleted."
            : $"Delete {(jobs + drafts == 1 ? "it" : "them")} or move {(jobs + drafts == 1 ? "it" : "them")} to another client (PATCH clientId) first.";
        return FieldDataEndpoints.InvalidState($"This client has {what}. {todo}");
    }

    private static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
}
