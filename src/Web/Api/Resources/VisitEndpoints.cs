using System.Security.Claims;
using FieldCamp.Web.Auth;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

/// <summary>
/// <c>/api/v1/visits</c>: the branch's visits, and a visit's progress on the day (status, arrivedAt, completedAt,
/// notes). Visits are created under their job (<c>POST /jobs/{id}/visits</c>) and cancelled rather than deleted.
/// </summary>
internal static class VisitEndpoints
{
    public static readonly Resource<Visit, VisitDto> Resource = new("visits", "Visit", "Visits", "vis", db => db.Visits, VisitDto.From);

    public static void MapVisitEndpoints(this RouteGroupBuilder api)
    {
        var (group, _, write) = api.MapReads(Resource);
        group.MapPatch("/{id}", UpdateVisit).RequireScope(write).WithName(nameof(UpdateVisit).Camel())
            .WithSummary("Move a visit on (scheduled → en_route → arrived → completed, or cancelled), reschedule it or edit its notes.");
    }

    public static async Task<Results<Ok<VisitDto>, ValidationProblem, ProblemHttpResult>> UpdateVisit(
        string id, UpdateVisitRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var visit = await Resource.FindAsync(db, writer.BranchId, id, cancellationToken);
        if (visit is null) return ApiProblems.NotFound(Resource.Name);

        var check = new FieldCheck();
        string? newStatus = null;
        if (request.Has(nameof(request.Status)))
        {
            if (request.Status is null) check.NotCleared("status");
            else newStatus = check.Status("status", request.Status, VisitStatus.All);
        }
        if (request.Has(nameof(request.StartsAt)) && request.StartsAt is null) check.NotCleared("startsAt");
        if (request.Has(nameof(request.Notes))) visit.Notes = check.Optional("notes", request.Notes, InputLimits.LongText, "Notes", multiLine: true);
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        var from = visit.Status;
        var to = newStatus ?? from;
        if (VisitStatus.WhyNot(from, to) is { } why) return FieldDataEndpoints.InvalidState(why);
        // A finished job's day is over: its visits keep the status they ended with.
        if (to != from && await db.Jobs.Where(j => j.Id == visit.JobId).Select(j => j.Status).SingleAsync(cancellationToken) is var jobStatus
            && JobStatus.IsFinal(jobStatus))
            return FieldDataEndpoints.InvalidState($"The visit's job is {jobStatus}; its visits no longer change status.");
        if (request.StartsAt is { } startsAt && startsAt.UtcDateTime != visit.StartsAt)
        {
            // Rescheduling is for a visit nobody has set out for yet.
            if (to != VisitStatus.Scheduled) return FieldDataEndpoints.InvalidState($"Only a scheduled visit is rescheduled; this one is {to}.");
            visit.StartsAt = startsAt.UtcDateTime;
        }
        visit.Status = to;

        // The times of the day: given, or the moment of the change that reached them; a time only once its status is reached.
        var reached = new[] { VisitStatus.Arrived, VisitStatus.Completed };
        if (request.Has(nameof(request.ArrivedAt))) visit.ArrivedAt = request.ArrivedAt?.UtcDateTime;
        else if (to != from && reached.Contains(to) && visit.ArrivedAt is null) visit.ArrivedAt = writer.Now;
        if (request.Has(nameof(request.CompletedAt))) visit.CompletedAt = request.CompletedAt?.UtcDateTime;
        else if (to != from && to == VisitStatus.Completed && visit.CompletedAt is null) visit.CompletedAt = writer.Now;

        // A cancelled visit keeps whatever arrival it had: it may have been called off on site.
        if (to == VisitStatus.Cancelled) { }
        else if (visit.ArrivedAt is not null && !reached.Contains(to))
            check.Add("arrivedAt", "A visit has an arrival time only once it has arrived: send status arrived or completed with it.");
        else if (visit.ArrivedAt is null && reached.Contains(to))
            check.Add("arrivedAt", $"A visit that is {to} keeps its arrival time.");
        if (visit.CompletedAt is not null && to != VisitStatus.Completed)
            check.Add("completedAt", "A visit has a completion time only once it is completed: send status completed with it.");
        else if (visit.CompletedAt is null && to == VisitStatus.Completed)
            check.Add("completedAt", "A completed visit keeps its completion time.");
        else if (visit.CompletedAt < visit.ArrivedAt)
            check.Add("completedAt", "A visit is completed after it arrived.");
        // What already happened cannot be in the future (a few minutes allow for a device's clock).
        var latest = writer.Now + TimeSpan.FromMinutes(5);
        if (visit.ArrivedAt > latest) check.Add("arrivedAt", "An arrival time cannot be in the future.");
        if (visit.CompletedAt > latest) check.Add("completedAt", "A completion time cannot be in the future.");
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        return TypedResults.Ok(await FieldDataEndpoints.SaveChangeAsync(db, writer, visit, WebhookEventTypes.VisitUpdated, VisitDto.From, cancellationToken));
    }
}
