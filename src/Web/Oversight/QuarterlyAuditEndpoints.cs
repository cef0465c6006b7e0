using System.Security.Claims;
using FieldCamp.Domain.Oversight;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Data;
using FieldCamp.Web.Export;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Oversight;

/// <summary>
/// The quarterly review's CSV download, for the signed-in owner's browser (the session cookie, not an API key). The role
/// is read from the database on every download: an owner demoted a minute ago gets 403, a stranger to the company 404.
/// </summary>
internal static class QuarterlyAuditEndpoints
{
    public const string Path = "/settings/developer/quarterly-audit";

    public static string CsvUrl(Quarter quarter, string companyId) =>
        $"{Path.TrimStart('/')}/{quarter}.csv?company={Uri.EscapeDataString(companyId)}";

    public static IEndpointConventionBuilder MapQuarterlyAuditEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet(Path + "/{quarter}.csv", DownloadCsvAsync)
            // The session cookie's own scheme, so a signed-out browser is sent to sign in rather than answered 401. The
            // typed results would mark this an API endpoint, which the cookie answers with 401: it is a browser download.
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = IdentityConstants.ApplicationScheme })
            .WithMetadata(BrowserDownload.Instance)
            .WithName("DownloadQuarterlyAuditCsv")
            .ExcludeFromDescription();

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadCsvAsync(string quarter, string? company,
        ClaimsPrincipal user, IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Quarter.TryParse(quarter, out var period)) return TypedResults.NotFound();
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return TypedResults.NotFound();

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Without ?company= the download is for the company the person last worked in, as the dashboard opens.
        company ??= await db.Users.Where(u => u.Id == userId)
            .Join(db.Branches, u => u.LastBranchId, b => b.Id, (_, b) => b.CompanyId).FirstOrDefaultAsync(cancellationToken);
        var membership = await (
            from m in db.Memberships
            where m.UserId == userId && (company == null || m.CompanyId == company)
            join c in db.Companies on m.CompanyId equals c.Id
            orderby c.Name
            select new { c.Id, c.Slug, m.Role }).FirstOrDefaultAsync(cancellationToken);
        if (membership is null) return TypedResults.NotFound();
        if (membership.Role != Role.Owner)
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only owners can review keys",
                detail: "The quarterly key review and its export are for the company's owners.");

        var review = await QuarterlyReviews.FindAsync(db, membership.Id, period, cancellationToken);
        if (review is null) return TypedResults.NotFound();
        var view = await QuarterlyReviews.ViewAsync(db, review, time.GetUtcNow().UtcDateTime, cancellationToken);
        return TypedResults.File(QuarterlyAuditCsv.Write(view), CsvExport.ContentType, QuarterlyAuditCsv.FileName(membership.Slug, period));
    }
}

/// <summary>Marks an endpoint a browser navigates to: signed out, the cookie sends the person to sign in.</summary>
internal sealed class BrowserDownload : Microsoft.AspNetCore.Http.Metadata.IAllowCookieRedirectMetadata
{
    public static readonly BrowserDownload Instance = new();
}
