using System.Linq.Expressions;
using System.Security.Claims;
using FieldCamp.Domain;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

public interface IResourceDto
{
    string Id { get; }
}

public sealed record ClientDto(string Id, string Name, string? Email, string? Phone, DateTime CreatedAt) : IResourceDto;
public sealed record JobDto(string Id, string ClientId, string Title, string Status, DateTime CreatedAt) : IResourceDto;
public sealed record VisitDto(string Id, string JobId, DateTime StartsAt, string Status) : IResourceDto;
public sealed record InvoiceDto(string Id, string ClientId, string Number, decimal Total, string Status) : IResourceDto;
public sealed record ItemDto(string Id, string Name, decimal UnitPrice) : IResourceDto;
public sealed record CreateClientRequest(string? Name, string? Email, string? Phone);
public sealed record CreateJobRequest(string? ClientId, string? Title);

/// <summary>
/// The field-service resources an integration works with. Reading needs <c>resource:read</c>, writing
/// <c>resource:write</c>; every query is filtered by the caller's branch, so another tenant's id is a 404.
/// </summary>
internal static class FieldDataEndpoints
{
    public static IEndpointRouteBuilder MapFieldDataEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        MapReads(api, "clients", "client", (AppDbContext db) => db.Clients, c => new ClientDto(c.Id, c.Name, c.Email, c.Phone, c.CreatedAt));
        MapReads(api, "jobs", "job", (AppDbContext db) => db.Jobs, j => new JobDto(j.Id, j.ClientId, j.Title, j.Status, j.CreatedAt));
        MapReads(api, "visits", "visit", (AppDbContext db) => db.Visits, v => new VisitDto(v.Id, v.JobId, v.StartsAt, v.Status));
        MapReads(api, "invoices", "invoice", (AppDbContext db) => db.Invoices, i => new InvoiceDto(i.Id, i.ClientId, i.Number, i.TotalCents / 100m, i.Status));
        MapReads(api, "items", "item", (AppDbContext db) => db.Items, i => new ItemDto(i.Id, i.Name, i.UnitPriceCents / 100m));

        api.MapGet("/jobs/{id}/visits", ListJobVisits).WithTags("jobs").RequireScope("visits:read");
        api.MapPost("/clients", CreateClient).WithTags("clients").RequireScope("clients:write");
        api.MapPost("/jobs", CreateJob).WithTags("jobs").RequireScope("jobs:write");
        return app;
    }

    private static void MapReads<T, TDto>(RouteGroupBuilder api, string resource, string singular,
        Func<AppDbContext, IQueryable<T>> set, Expression<Func<T, TDto>> toDto) where T : BranchRecord where TDto : IResourceDto
    {
        var read = Domain.ApiKeys.Scopes.Read(resource);
        api.MapGet($"/{resource}", async Task<Results<Ok<Page<TDto>>, ValidationProblem>> (
            ClaimsPrincipal user, AppDbContext db, string? limit, string? cursor, CancellationToken cancellationToken) =>
        {
            var errors = Paging.Validate(limit, cursor, _ => true, out var take);
            if (errors.Count > 0) return ApiProblems.Validation(errors);
            var branchId = ApiCaller.From(user).Tenant.BranchId;
            var rows = set(db).AsNoTracking().Where(r => r.BranchId == branchId);
            if (cursor is not null) rows = rows.Where(r => r.Id.CompareTo(cursor) < 0);
            var page = await rows.OrderByDescending(r => r.Id).Take(take + 1).Select(toDto).ToListAsync(cancellationToken);
            return TypedResults.Ok(Paging.ToPage(page, take, r => r.Id));
        }).WithTags(resource).RequireScope(read).WithSummary($"List {resource}.");

        api.MapGet($"/{resource}/{{id}}", async Task<Results<Ok<TDto>, ProblemHttpResult>> (
            string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken) =>
        {
            var branchId = ApiCaller.From(user).Tenant.BranchId;
            var found = await set(db).AsNoTracking().Where(r => r.Id == id && r.BranchId == branchId).Select(toDto).ToListAsync(cancellationToken);
            return found.Count == 0 ? ApiProblems.NotFound(singular) : TypedResults.Ok(found[0]);
        }).WithTags(resource).RequireScope(read).WithSummary($"Get a {singular}.");
    }

    public static async Task<Results<Ok<Page<VisitDto>>, ProblemHttpResult>> ListJobVisits(
        string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken)
    {
        var branchId = ApiCaller.From(user).Tenant.BranchId;
        if (!await db.Jobs.AnyAsync(j => j.Id == id && j.BranchId == branchId, cancellationToken)) return ApiProblems.NotFound("job");
        var visits = await db.Visits.AsNoTracking().Where(v => v.JobId == id && v.BranchId == branchId).OrderBy(v => v.StartsAt)
            .Select(v => new VisitDto(v.Id, v.JobId, v.StartsAt, v.Status)).ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<VisitDto>(visits, null));
    }

    public static async Task<Results<Created<ClientDto>, ValidationProblem>> CreateClient(
        CreateClientRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > InputLimits.ClientName)
            errors["name"] = [$"Give the client a name of 1 to {InputLimits.ClientName} characters."];
        InputLimits.Check(errors, "email", request.Email, InputLimits.Email, "An e-mail address");
        InputLimits.Check(errors, "phone", request.Phone, InputLimits.Phone, "A phone number");
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        var now = time.GetUtcNow().UtcDateTime;
        var client = new Client
        {
            Id = Ids.New("cli", now), BranchId = ApiCaller.From(user).Tenant.BranchId, CreatedAt = now,
            Name = request.Name!.Trim(), Email = request.Email, Phone = request.Phone,
        };
        db.Clients.Add(client);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/clients/{client.Id}", new ClientDto(client.Id, client.Name, client.Email, client.Phone, client.CreatedAt));
    }

    public static async Task<Results<Created<JobDto>, ValidationProblem>> CreateJob(
        CreateJobRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var branchId = ApiCaller.From(user).Tenant.BranchId;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > InputLimits.JobTitle)
            errors["title"] = [$"Give the job a title of 1 to {InputLimits.JobTitle} characters."];
        if (request.ClientId is null || request.ClientId.Length > InputLimits.Id || !await db.Clients.AnyAsync(c => c.Id == request.ClientId && c.BranchId == branchId, cancellationToken))
            errors["clientId"] = ["Name a client of this branch."];
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        var now = time.GetUtcNow().UtcDateTime;
        var job = new Job { Id = Ids.New("job", now), BranchId = branchId, CreatedAt = now, ClientId = request.ClientId!, Title = request.Title!.Trim() };
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/jobs/{job.Id}", new JobDto(job.Id, job.ClientId, job.Title, job.Status, job.CreatedAt));
    }
}
