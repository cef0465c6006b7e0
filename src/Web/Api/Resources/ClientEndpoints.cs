using System.Security.Claims;
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
                ?? FieldDataEndpoints.InvalidState("The client has jobs or invoices; a client is deleted only once it has none.");
        }
        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult?> StillInUseAsync(AppDbContext db, string branchId, string id, CancellationToken cancellationToken)
    {
        var jobs = await db.Jobs.CountAsync(j => j.ClientId == id && j.BranchId == branchId, cancellationToken);
        var invoices = await db.Invoices.CountAsync(i => i.ClientId == id && i.BranchId == branchId, cancellationToken);
        return jobs + invoices == 0 ? null : FieldDataEndpoints.InvalidState(
            $"The client has {Count(jobs, "job")} and {Count(invoices, "invoice")}; a client is deleted only once it has none. " +
            "Move or delete its jobs, and delete its draft invoices.");
    }

    private static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
}
