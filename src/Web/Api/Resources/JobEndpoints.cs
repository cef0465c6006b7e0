using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using FieldCamp.Domain.FieldWork;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Api;

/// <summary>
/// <c>/api/v1/jobs</c> and a job's visits. A job with a completed visit cannot be deleted (work was done: cancel the
/// job instead); deleting any other job deletes its visits with it.
/// </summary>
internal static class JobEndpoints
{
    public static readonly Resource<Job, JobDto> Resource = new("jobs", "Job", "Jobs", "job", db => db.Jobs, JobDto.From);

    public static void MapJobEndpoints(this RouteGroupBuilder api)
    {
        var (group, _, write) = api.MapReads(Resource);
        group.MapPost("/", CreateJob).RequireScope(write).WithName(nameof(CreateJob).Camel()).WithSummary("Create a job for a client of this branch.");
        group.MapPatch("/{id}", UpdateJob).RequireScope(write).WithName(nameof(UpdateJob).Camel())
            .WithSummary("Change a job: fields left out stay, null clears description or scheduledFor. A completed or cancelled job keeps its clientId and scheduledFor.");
        group.MapDelete("/{id}", DeleteJob).RequireScope(write).WithName(nameof(DeleteJob).Camel())
            .WithSummary("Delete a job and its visits, unless a visit was completed.");

        var visits = api.MapGroup("/jobs/{id}/visits").WithTags(VisitEndpoints.Resource.Plural);
        visits.MapGet("/", ListJobVisits).RequireScope(Domain.ApiKeys.Scopes.Read("visits")).WithName(nameof(ListJobVisits).Camel())
            .WithSummary("List a job's visits, newest first.");
        visits.MapPost("/", CreateJobVisit).RequireScope(Domain.ApiKeys.Scopes.Write("visits")).WithName(nameof(CreateJobVisit).Camel())
            .WithSummary("Schedule a visit for a job that is not completed or cancelled.");
    }

    public static async Task<Results<Created<JobDto>, ValidationProblem>> CreateJob(
        CreateJobRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var check = new FieldCheck();
        var title = check.Required("title", request.Title, InputLimits.JobTitle, "the job a title");
        var description = check.Optional("description", request.Description, InputLimits.LongText, "A description", multiLine: true);
        var status = request.Status is null ? JobStatus.Scheduled : check.Status("status", request.Status, JobStatus.All);
        if (!await FieldDataEndpoints.InBranchAsync(db.Clients, writer.BranchId, request.ClientId, cancellationToken))
            check.Add("clientId", FieldDataEndpoints.NoSuchClient);
        if (check.Failed) return ApiProblems.Validation(check.Errors);

        var job = writer.New<Job>(Resource.IdPrefix);
        (job.ClientId, job.Title, job.Description, job.Status, job.ScheduledFor) =
            (request.ClientId!, title, description, status, request.ScheduledFor?.UtcDateTime);
        db.Jobs.Add(job);
        var dto = JobDto.From(job);
        writer.Publish(db, WebhookEventTypes.JobCreated, dto);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (ConstraintViolation.IsForeignKey(e))
        {
            return FieldDataEndpoints.ClientGone();
        }
        return TypedResults.Created(Resource.Location(job.Id), dto);
    }

    public static async Task<Results<Ok<JobDto>, ValidationProblem, ProblemHttpResult>> UpdateJob(
        string id, UpdateJobRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var job = await Resource.FindAsync(db, writer.BranchId, id, cancellationToken);
        if (job is null) return ApiProblems.NotFound(Resource.Name);

        // Judged against the job as it was: a job can be moved and completed in one request, not moved once finished.
        var wasStatus = job.Status;
        var fixedFields = new List<string>();
        var check = new FieldCheck();
        if (request.Has(nameof(request.Title)))
        {
            if (request.Title is null) check.NotCleared("title");
            else job.Title = check.Required("title", request.Title, InputLimits.JobTitle, "the job a title");
        }
        if (request.Has(nameof(request.Description)))
            job.Description = check.Optional("description", request.Description, InputLimits.LongText, "A description", multiLine: true);
        if (request.Has(nameof(request.ScheduledFor)) && request.ScheduledFor?.UtcDateTime != job.ScheduledFor)
        {
            fixedFields.Add("scheduledFor");
            job.ScheduledFor = request.ScheduledFor?.UtcDateTime;
        }
        if (request.Has(nameof(request.ClientId)))
        {
            if (request.ClientId is null) check.NotCleared("clientId");
            else if (request.ClientId == job.ClientId) { }
            else if (!await FieldDataEndpoints.InBranchAsync(db.Clients, writer.BranchId, request.ClientId, cancellationToken))
                check.Add("clientId", FieldDataEndpoints.NoSuchClient);
            else
            {
                fixedFields.Add("clientId");
                job.ClientId = request.ClientId;
            }
        }
        string? newStatus = null;
        if (request.Has(nameof(request.Status)))
        {
            if (request.Status is null) check.NotCleared("status");
            else newStatus = check.Status("status", request.Status, JobStatus.All);
        }
        if (check.Failed) return ApiProblems.Validation(check.Errors);
        // Sending the value a finished job already has is no change, and passes.
        if (fixedFields.Count > 0 && JobStatus.KeepsClientAndSchedule(wasStatus))
            return FieldDataEndpoints.InvalidState(
                $"The job is {wasStatus}; a {wasStatus} job keeps its {string.Join(" and ", fixedFields)} (title and description can still be edited).");
        if (newStatus is not null)
        {
            if (JobStatus.WhyNot(job.Status, newStatus) is { } why) return FieldDataEndpoints.InvalidState(why);
            job.Status = newStatus;
        }

        try
        {
            return TypedResults.Ok(await FieldDataEndpoints.SaveChangeAsync(db, writer, job, WebhookEventTypes.JobUpdated, JobDto.From, cancellationToken));
        }
        catch (DbUpdateException e) when (ConstraintViolation.IsForeignKey(e))
        {
            return FieldDataEndpoints.ClientGone();
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteJob(
        string id, ClaimsPrincipal user, AppDbContext db, CancellationToken cancellationToken)
    {
        var branchId = ApiCaller.From(user).Tenant.BranchId;
        var job = await Resource.FindAsync(db, branchId, id, cancellationToken);
        if (job is null) return ApiProblems.NotFound(Resource.Name);
        var visits = await db.Visits.Where(v => v.JobId == id && v.BranchId == branchId).ToListAsync(cancellationToken);
        if (visits.Count(v => v.Status == VisitStatus.Completed) is var completed and > 0)
            return FieldDataEndpoints.InvalidState(
                $"This job has {(completed == 1 ? "a completed visit" : $"{completed} completed visits")}: work was done, so it stays on record. " +
                (JobStatus.IsFinal(job.Status) ? $"It is {job.Status}, which is where it ends." : "Set its status to completed or cancelled instead."));
        db.Visits.RemoveRange(visits);
        db.Jobs.Remove(job);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<Page<VisitDto>>, ValidationProblem, ProblemHttpResult>> ListJobVisits(
        string id, ClaimsPrincipal user, AppDbContext db, PageCursors cursors,
        [Range(1, FieldDataEndpoints.MaxListLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor,
        [DataType(DataType.DateTime), Description(Paging.UpdatedSinceText)] string? updatedSince, CancellationToken cancellationToken)
    {
        var branchId = ApiCaller.From(user).Tenant.BranchId;
        if (!await FieldDataEndpoints.InBranchAsync(db.Jobs, branchId, id, cancellationToken)) return ApiProblems.NotFound(Resource.Name);
        var (page, problem) = await FieldDataEndpoints.ListAsync(VisitEndpoints.Resource, db.Visits.Where(v => v.JobId == id), user,
            cursors.For(user, $"jobs/{id}/visits"), limit, cursor, updatedSince, cancellationToken);
        return problem is null ? TypedResults.Ok(page) : problem;
    }

    public static async Task<Results<Created<VisitDto>, ValidationProblem, ProblemHttpResult>> CreateJobVisit(
        string id, CreateVisitRequest request, ClaimsPrincipal user, AppDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = ResourceWriter.From(user, time);
        var job = await Resource.FindAsync(db, writer.BranchId, id, cancellationToken);
        if (job is null) return ApiProblems.NotFound(Resource.Name);
        var check = new FieldCheck();
        if (request.StartsAt is null) check.Add("startsAt", "Give the time the visit starts, such as 2026-12-01T09:00:00Z.");
        var notes = check.Optional("notes", request.Notes, InputLimits.LongText, "Notes", multiLine: true);
        if (check.Failed) return ApiProblems.Validation(check.Errors);
        if (JobStatus.IsFinal(job.Status)) return FieldDataEndpoints.InvalidState($"The job is {job.Status}; a {job.Status} job gets no new visits.");

        var visit = writer.New<Visit>(VisitEndpoints.Resource.IdPrefix);
        (visit.JobId, visit.StartsAt, visit.Notes) = (job.Id, request.StartsAt!.Value.UtcDateTime, notes);
        db.Visits.Add(visit);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created(VisitEndpoints.Resource.Location(visit.Id), VisitDto.From(visit));
    }
}
