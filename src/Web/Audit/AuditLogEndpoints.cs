using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Api;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using FieldCamp.Web.Export;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace FieldCamp.Web.Audit;

/// <summary>Who did it, and from where. Never a secret: the trail holds none.</summary>
public sealed record AuditActorDto(string Type, string Id, string Name, string? Ip, string? UserAgent);

public sealed record AuditChangeDto(string Field, string? From, string? To);

/// <summary>An audit event as the API shows it. <c>branchId</c> is null for company-wide events.</summary>
public sealed record AuditEventResponse(
    string Id, string Type, string Label, DateTime OccurredAt, AuditActorDto Actor, string CompanyId, string? BranchId,
    string? ApiKeyId, string? Subject, IReadOnlyList<AuditChangeDto> Changes, string? Note)
{
    public static AuditEventResponse From(AuditEvent e)
    {
        var kind = AuditEventCatalog.Of(e.Type);
        return new(e.Id.ToString(CultureInfo.InvariantCulture), kind.ApiName, kind.Label, e.OccurredAt,
            new AuditActorDto(ActorDto.From(e.Actor).Type, e.Actor.Id, e.Actor.Name, e.Actor.Ip, e.Actor.UserAgent),
            e.CompanyId, e.BranchId, e.ApiKeyId, e.Subject, [.. e.Changes.Select(c => new AuditChangeDto(c.Field, c.From, c.To))], e.Note);
    }
}

/// <summary>
/// <c>GET /api/v1/audit-events</c> for integrations that ship the trail to a SIEM, and the dashboard's CSV download of
/// the audit log. Both read through <see cref="AuditLogQuery"/>, so the API and the page agree on what a filter means.
/// </summary>
internal static class AuditLogEndpoints
{
    public const string ExportPath = "/settings/developer/audit-log/export";
    private const string SinceText = "Events from this moment on: a date (from its start in UTC) or a date and time with a time zone offset, "
        + "such as `2026-12-01` or `2026-12-01T09:30:00Z`.";
    private const string UntilText = "Events before this moment: a date (its start in UTC) or a date and time with a time zone offset.";

    public static IEndpointRouteBuilder MapAuditLogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/audit-events").WithTags("Audit events").RequireScope(Scopes.ApiKeysManage)
            .MapGet("/", ListAuditEvents).WithName(nameof(ListAuditEvents))
            .WithSummary("The branch's audit trail, newest first: key changes, rotations, incidents, by whom and from where.");
        // A person's download, with their session cookie (the default scheme hands everything outside /api to it).
        app.MapGet(ExportPath, ExportAuditLog).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// A key reads its own branch's events only: company-wide events (people, policy, the quarterly review) are for
    /// owners in the dashboard, and nothing of another branch or company is ever listed.
    /// </summary>
    public static async Task<Results<Ok<Page<AuditEventResponse>>, ValidationProblem>> ListAuditEvents(
        ClaimsPrincipal user, AppDbContext db, PageCursors cursors, HttpRequest request,
        [Range(1, Paging.MaxLimit), DefaultValue(Paging.DefaultLimitText), Description(Paging.LimitText)] string? limit, [Description(Paging.CursorText)] string? cursor, string? keyId,
        [DataType(DataType.DateTime), Description(SinceText)] string? since, [DataType(DataType.DateTime), Description(UntilText)] string? until,
        CancellationToken cancellationToken)
    {
        var list = cursors.For(user, "audit-events");
        var errors = Paging.Validate(limit, cursor, list, out var take, out var after);
        var types = ParseTypes(request.Query["type"], errors, "type");
        var from = ParseInstant(since, errors, "since");
        var to = ParseInstant(until, errors, "until");
        if (from is not null && to is not null && to <= from) errors["until"] = ["Choose an until after since."];
        if (keyId is { Length: 0 or > 64 }) errors["keyId"] = ["Pass a key id such as key_…"];
        if (errors.Count > 0) return ApiProblems.Validation(errors);

        var scope = ApiCaller.From(user).KeyScope;
        var events = db.AuditEvents.AsNoTracking()
            .Visible(new AuditVisibility(scope.CompanyId, [scope.BranchId], CompanyWide: false))
            .Matching(new AuditLogFilter(Types: types, KeyId: keyId, Since: from, Until: to));
        if (after is not null)
        {
            var before = long.Parse(after, CultureInfo.InvariantCulture);
            events = events.Where(e => e.Id < before);
        }
        var rows = await events.NewestFirst().Take(take + 1).ToListAsync(cancellationToken);
        var page = Paging.ToPage(rows, take, list, e => e.Id.ToString(CultureInfo.InvariantCulture));
        return TypedResults.Ok(new Page<AuditEventResponse>([.. page.Data.Select(AuditEventResponse.From)], page.NextCursor));
    }

    /// <summary>
    /// The audit log's filtered view as CSV. The role is read afresh from the database (a link copied before a demotion
    /// must not still work), and rows are read in batches and written as they come.
    /// </summary>
    public static async Task<IResult> ExportAuditLog(HttpContext http, ClaimsPrincipal user, AppDbContext db, TimeProvider time,
        string? branch, CancellationToken cancellationToken)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        // Without a branch, the one the person works in (the page's own link always names it).
        branch ??= await db.Users.Where(u => u.Id == userId).Select(u => u.LastBranchId).FirstOrDefaultAsync(cancellationToken);
        var companyId = branch is null ? null
            : await db.Branches.Where(b => b.Id == branch).Select(b => b.CompanyId).FirstOrDefaultAsync(cancellationToken);
        // Another company's branch, or none at all, is not found, as everywhere else; a member is refused.
        if (userId is null || companyId is null
            || !await db.Memberships.AnyAsync(m => m.UserId == userId && m.CompanyId == companyId, cancellationToken))
            return TypedResults.Text("No such branch.", statusCode: StatusCodes.Status404NotFound);
        var visibility = await DashboardAuditLog.VisibilityAsync(db, userId, companyId, branch!, cancellationToken);
        if (visibility is null) return TypedResults.Text(DashboardAuditLog.Refusal, statusCode: StatusCodes.Status403Forbidden);

        var errors = new Dictionary<string, string[]>();
        var filter = AuditLogLinks.Parse(http.Request.Query, errors);
        if (errors.Count > 0)
            return TypedResults.Text(string.Join(" ", errors.SelectMany(e => e.Value)), statusCode: StatusCodes.Status400BadRequest);

        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd-HHmm", CultureInfo.InvariantCulture);
        http.Response.ContentType = CsvExport.ContentType;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"audit-log-{stamp}.csv\"";
        http.Response.Headers.CacheControl = "no-store";
        await CsvExport.WriteAsync(http.Response.Body, CsvHeader,
            DashboardAuditLog.StreamAsync(db, visibility, filter, cancellationToken).Select(CsvRow), cancellationToken);
        return TypedResults.Empty;
    }

    private static readonly string[] CsvHeader =
        ["occurred_at_utc", "event", "type", "actor_type", "actor", "actor_id", "ip", "user_agent", "branch", "key_id", "subject", "changes", "note"];

    private static IReadOnlyList<string?> CsvRow(AuditLogRow row) =>
    [
        row.OccurredAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        AuditEventCatalog.Of(row.Type).Label,
        AuditEventCatalog.Of(row.Type).ApiName,
        ActorDto.From(row.Actor).Type,
        row.Actor.Name,
        row.Actor.Id,
        row.Actor.Ip,
        row.Actor.UserAgent,
        row.BranchName,
        row.ApiKeyId,
        row.Subject,
        string.Join("; ", row.Changes.Select(c => AuditEventCatalog.ChangeText(row.Type, c))),
        row.Note,
    ];

    /// <summary>Event types by API name, repeated (<c>type=a&amp;type=b</c>) or comma-separated.</summary>
    internal static IReadOnlyList<AuditEventType>? ParseTypes(StringValues values, Dictionary<string, string[]> errors, string field)
    {
        var names = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (names.Count == 0) return values.Count > 0 ? Invalid() : null;
        var types = new List<AuditEventType>();
        foreach (var name in names)
        {
            if (!AuditEventCatalog.TryParseApiName(name, out var type)) return Invalid();
            types.Add(type);
        }
        return types;

        IReadOnlyList<AuditEventType>? Invalid()
        {
            errors[field] = [$"Use event type names such as {string.Join(", ", AuditEventCatalog.All.Take(4).Select(k => k.ApiName))}; " +
                "the API reference lists them all."];
            return null;
        }
    }

    /// <summary>
    /// A whole day (<c>2026-12-01</c>, from its start in UTC) or an instant with its offset (<c>2026-12-01T10:00:00Z</c>,
    /// <c>…+01:00</c>). A time of day without an offset is refused: which day's 09:00 it is depends on the zone.
    /// </summary>
    internal static DateTime? ParseInstant(string? value, Dictionary<string, string[]> errors, string field)
    {
        if (value is null) return null;
        var text = value.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        if (Instants.TryParseQuery(text, out var instant)) return instant.UtcDateTime;
        errors[field] = [Instants.Problem(text) is Instants.MissingOffset ? Instants.MissingOffset
            : "Use an ISO 8601 date or a date and time with a time zone offset, such as 2026-12-01 or 2026-12-01T09:30:00Z."];
        return null;
    }
}

/// <summary>The audit log's filters in a query string: the page's address and its CSV link share them.</summary>
internal static class AuditLogLinks
{
    public static string Query(AuditLogFilter filter)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) parts.Add($"{name}={Uri.EscapeDataString(value)}");
        }
        if (filter.Types is { Count: > 0 } types) Add("type", string.Join(',', types.Select(t => AuditEventCatalog.Of(t).ApiName)));
        Add("actorType", filter.ActorType is { } actorType ? ActorTypeName(actorType) : null);
        Add("actor", filter.ActorId);
        Add("key", filter.KeyId);
        Add("since", filter.Since?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Add("until", filter.Until?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Add("inBranch", filter.BranchId);
        return string.Join('&', parts);
    }

    public static AuditLogFilter Parse(IQueryCollection query, Dictionary<string, string[]> errors)
    {
        ActorType? actorType = (string?)query["actorType"] switch
        {
            null or "" => null,
            "person" => ActorType.Person,
            "api_key" => ActorType.ApiKey,
            "system" => ActorType.System,
            _ => Invalid("actorType", "Use person, api_key or system."),
        };
        var since = AuditLogEndpoints.ParseInstant(NullIfEmpty(query["since"]), errors, "since");
        var until = AuditLogEndpoints.ParseInstant(NullIfEmpty(query["until"]), errors, "until");
        if (since is not null && until is not null && until <= since) errors["until"] = ["Choose an until after since."];
        return new AuditLogFilter(
            AuditLogEndpoints.ParseTypes(query["type"], errors, "type"), actorType, NullIfEmpty(query["actor"]), NullIfEmpty(query["key"]),
            since, until, NullIfEmpty(query["inBranch"]));

        ActorType? Invalid(string field, string message)
        {
            errors[field] = [message];
            return null;
        }
    }

    private static string? NullIfEmpty(StringValues value) => string.IsNullOrEmpty(value) ? null : value.ToString();

    public static string ActorTypeName(ActorType type) => type switch
    {
        ActorType.Person => "person",
        ActorType.ApiKey => "api_key",
        _ => "system",
    };
}
