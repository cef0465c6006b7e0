using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

/// <summary>
/// One field-service resource as the API serves it: where it lives, its id prefix and how a record is shown.
/// <see cref="Singular"/> and <see cref="Plural"/> are PascalCase and make the operation ids (listClients, getClient…).
/// </summary>
internal sealed record Resource<T, TDto>(string Path, string Singular, string Plural, string IdPrefix,
    Func<AppDbContext, DbSet<T>> Set, Func<T, TDto> ToDto) where T : BranchRecord where TDto : IResourceDto
{
    public string Scope => Path;
    public string Name => Singular.ToLowerInvariant();
    public string Location(string id) => $"/api/v1/{Path}/{id}";

    /// <summary>The record with this id in the caller's branch, tracked for a change; null means 404 for anyone else's.</summary>
    public Task<T?> FindAsync(AppDbContext db, string branchId, string id, CancellationToken cancellationToken) =>
        Set(db).FirstOrDefaultAsync(r => r.Id == id && r.BranchId == branchId, cancellationToken);
}

/// <summary>
/// The caller and the moment of a write: stamps records with when and by which key they changed, and adds the
/// outbox event to the same unit of work, so the event exists exactly when the change is saved.
/// </summary>
internal sealed record ResourceWriter(string CompanyId, string BranchId, string? KeyId, DateTime Now)
{
    public static ResourceWriter From(ClaimsPrincipal user, TimeProvider time)
    {
        var caller = ApiCaller.From(user);
        // A legacy token is not a key: there is no key id to name.
        var keyId = caller.CredentialType == ApiKeyDefaults.LegacyJwtCredential ? null : caller.CredentialId;
        return new(caller.Tenant.CompanyId, caller.Tenant.BranchId, keyId, time.GetUtcNow().UtcDateTime);
    }

    public T New<T>(string idPrefix) where T : BranchRecord, new() => new()
    {
        Id = Ids.New(idPrefix, Now), BranchId = BranchId, CreatedAt = Now, UpdatedAt = Now, CreatedByKeyId = KeyId, UpdatedByKeyId = KeyId,
    };

    public void Touch(BranchRecord record)
    {
        record.UpdatedAt = Now;
        record.UpdatedByKeyId = KeyId;
    }

    public void Publish<TDto>(AppDbContext db, string type, TDto dto) => db.Outbox.Add(OutboxEvent.For(CompanyId, BranchId, type, dto, Now));
}

/// <summary>
/// The field-service resources: clients, jobs (with their visits), visits, invoices and items. Reading needs
/// <c>{resource}:read</c>, writing <c>{resource}:write</c>; every query is confined to the caller's branch, so another
/// branch's or company's id is a 404 and another branch's record is never a valid reference (400 on the field).
/// </summary>
internal static partial class FieldDataEndpoints
{
    public const int MaxListLimit = 200;

    public static IEndpointRouteBuilder MapFieldDataEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapClientEndpoints();
        api.MapJobEndpoints();
        api.MapVisitEndpoints();
        api.MapInvoiceEndpoints();
        api.MapItemEndpoints();
        return app;
    }

    /// <summary>The resource's group, tagged by its name, and its list and get endpoints.</summary>
    public static (RouteGroupBuilder Group, string Read, string Write) MapReads<T, TDto>(this RouteGroupBuilder api, Resource<T, TDto> resource)
        where T : BranchRecord where TDto : IResourceDto
    {
        var group = api.MapGroup($"/{resource.Path}").WithTags(resource.Plural);
        var read = Scopes.Read(resource.Scope);
        group.MapGet("/", async Task<Results<Ok<Page<TDto>>, ValidationProblem>> (ClaimsPrincipal user, AppDbContext db, PageCursors cursors,
                [Range(1, MaxListLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor,
                [DataType(DataType.DateTime), Description(Paging.UpdatedSinceText)] string? updatedSince, CancellationToken cancellationToken) =>
                await ListAsync(resource, resource.Set(db), user, cursors.For(user, resource.Path), limit, cursor, updatedSince, cancellationToken)
                    is var (page, problem)
                    && problem is null ? TypedResults.Ok(page) : problem!)
            .RequireScope(read).WithName($"list{resource.Plural}")
            .WithSummary($"List {resource.Path}, newest first; updatedSince gives only those changed since an instant.");
        group.MapGet("/{id}", async Task<Results<Ok<TDto>, ProblemHttpResult>> (
                string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken) =>
            {
                var branchId = ApiCaller.From(user).Tenant.BranchId;
                var found = await resource.Set(db).AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.BranchId == branchId, cancellationToken);
                return found is null ? ApiProblems.NotFound(resource.Name) : TypedResults.Ok(resource.ToDto(found));
            })
            .RequireScope(read).WithName($"get{resource.Singular}").WithSummary($"Get a {resource.Name}.");
        return (group, read, Scopes.Write(resource.Scope));
    }

    /// <summary>
    /// One page of <paramref name="rows"/> in the caller's branch, newest first. The cursor holds the last id of the
    /// previous page: ids grow with creation time, so a record created meanwhile never shifts the pages still to come.
    /// </summary>
    public static async Task<(Page<TDto> Page, ValidationProblem? Problem)> ListAsync<T, TDto>(Resource<T, TDto> resource, IQueryable<T> rows,
        ClaimsPrincipal user, ListCursors list, string? limit, string? cursor, string? updatedSince, CancellationToken cancellationToken)
        where T : BranchRecord where TDto : IResourceDto
    {
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after, MaxListLimit);
        DateTime? since = null;
        if (updatedSince is not null)
        {
            if (Instants.TryParseQuery(updatedSince, out var parsed)) since = parsed.UtcDateTime;
            else errors["updatedSince"] = [Instants.Problem(updatedSince)];
        }
        if (errors.Count > 0) return (new Page<TDto>([], null), ApiProblems.Validation(errors));

        var branchId = ApiCaller.From(user).Tenant.BranchId;
        rows = rows.AsNoTracking().Where(r => r.BranchId == branchId);
        if (since is { } from) rows = rows.Where(r => r.UpdatedAt >= from);
        if (after is not null) rows = rows.Where(r => r.Id.CompareTo(after) < 0);
        var page = await rows.OrderByDescending(r => r.Id).Take(take + 1).ToListAsync(cancellationToken);
        var result = Paging.ToPage(page, take, list, r => r.Id);
        return (new Page<TDto>([.. result.Data.Select(resource.ToDto)], result.NextCursor), null);
    }

    /// <summary>Whether the branch has a record with this id: references must stay inside the branch.</summary>
    public static async Task<bool> InBranchAsync<T>(IQueryable<T> set, string branchId, string? id, CancellationToken cancellationToken)
        where T : BranchRecord =>
        id is not null && id.Length <= InputLimits.Id && await set.AnyAsync(r => r.Id == id && r.BranchId == branchId, cancellationToken);

    public const string NoSuchClient = "Name a client of this branch.";

    /// <summary>The answer when the client was deleted between the check and the save (the database refused the link).</summary>
    public static ValidationProblem ClientGone() =>
        ApiProblems.Validation(new Dictionary<string, string[]> { ["clientId"] = [NoSuchClient] });

    public static ProblemHttpResult InvalidState(string detail) => ApiProblems.Conflict("invalid_state", detail);

    /// <summary>
    /// Saves a PATCH: when something actually changed, stamps the record and writes the event with it; an update that
    /// changes nothing writes neither (a sync re-sending the same values is not news).
    /// </summary>
    public static async Task<TDto> SaveChangeAsync<T, TDto>(AppDbContext db, ResourceWriter writer, T record, string? eventType,
        Func<T, TDto> toDto, CancellationToken cancellationToken) where T : BranchRecord
    {
        if (!db.ChangeTracker.HasChanges()) return toDto(record);
        writer.Touch(record);
        var dto = toDto(record);
        if (eventType is not null) writer.Publish(db, eventType, dto);
        await db.SaveChangesAsync(cancellationToken);
        return dto;
    }

    /// <summary>createClient from CreateClient: operation ids are camelCase.</summary>
    public static string Camel(this string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
