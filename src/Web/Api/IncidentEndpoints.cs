using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Incidents;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Incidents;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

public sealed record ChecklistTickDto(string Item, string Label, DateTime At, ActorDto By);

/// <summary>A leak incident as the API shows it: never a secret, keys by id.</summary>
public sealed record IncidentResponse(
    string Id, string ApiKeyId, string KeyName, string Source, ActorDto ReportedBy, string? ReportedUrl, DateTime OpenedAt,
    string Status, LeakActivity? Activity, DateTime? ActivityReviewedAt, string? ReplacementKeyId,
    IReadOnlyList<ChecklistTickDto> Checklist, DateTime? ClosedAt, ActorDto? ClosedBy)
{
    public static IncidentResponse From(Incident incident) => new(
        incident.Id, incident.ApiKeyId, incident.KeyName,
        incident.Source == IncidentSource.SecretScanning ? "secret_scanning" : "manual",
        ActorDto.From(incident.ReportedBy), incident.ReportedUrl, incident.OpenedAt,
        incident.Step switch
        {
            IncidentStep.ReviewActivity => "review_activity",
            IncidentStep.Replace => "replace",
            IncidentStep.Checklist => "checklist",
            _ => "closed",
        },
        LeakActivityJson.Deserialize(incident.ActivitySummary), incident.ActivityReviewedAt, incident.ReplacementKeyId,
        [.. incident.Ticks.Select(t => new ChecklistTickDto(t.Item, Incident.Checklist.First(c => c.Id == t.Item).Label, t.At, ActorDto.From(t.By)))],
        incident.ClosedAt, incident.ClosedBy is { } by ? ActorDto.From(by) : null);
}

/// <summary><c>/api/v1/incidents</c>: the branch's leak incidents, read-only, for keys with <c>api-keys:manage</c>.</summary>
internal static class IncidentEndpoints
{
    public static RouteGroupBuilder MapIncidentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/incidents").WithTags("Incidents").RequireScope(Scopes.ApiKeysManage);
        group.MapGet("/", ListIncidents).WithName(nameof(ListIncidents)).WithSummary("List the branch's leak incidents, newest first.");
        group.MapGet("/{id}", GetIncident).WithName(nameof(GetIncident)).WithSummary("Get a leak incident.");
        return group;
    }

    public static async Task<Results<Ok<Page<IncidentResponse>>, ValidationProblem>> ListIncidents(
        ClaimsPrincipal user, AppDbContext db, PageCursors cursors,
        [Range(1, Paging.MaxLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor, string? keyId, CancellationToken cancellationToken)
    {
        var list = cursors.For(user, "incidents");
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after);
        if (keyId is { Length: 0 or > 64 }) errors["keyId"] = ["Pass a key id such as key_…"];
        if (errors.Count > 0) return ApiProblems.Validation(errors);
        var scope = ApiCaller.From(user).KeyScope;
        var incidents = db.Incidents.AsNoTracking().Where(i => i.BranchId == scope.BranchId && i.CompanyId == scope.CompanyId);
        if (keyId is not null) incidents = incidents.Where(i => i.ApiKeyId == keyId);
        if (after is not null) incidents = incidents.Where(i => i.Id.CompareTo(after) < 0);
        var rows = await incidents.OrderByDescending(i => i.Id).Take(take + 1).ToListAsync(cancellationToken);
        var page = Paging.ToPage(rows, take, list, i => i.Id);
        return TypedResults.Ok(new Page<IncidentResponse>([.. page.Data.Select(IncidentResponse.From)], page.NextCursor));
    }

    public static async Task<Results<Ok<IncidentResponse>, ProblemHttpResult>> GetIncident(
        string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken)
    {
        var scope = ApiCaller.From(user).KeyScope;
        var incident = await db.Incidents.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == id && i.BranchId == scope.BranchId && i.CompanyId == scope.CompanyId, cancellationToken);
        return incident is null ? ApiProblems.NotFound("incident") : TypedResults.Ok(IncidentResponse.From(incident));
    }
}
