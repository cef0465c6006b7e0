using System.Text.RegularExpressions;
using FieldCamp.Domain;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Dashboard;

/// <summary>
/// A fresh installation has no company. Until the first owner creates one on <c>/setup</c>, every dashboard page
/// leads there; once a company exists, the setup page is gone for good.
/// </summary>
internal sealed partial class FirstRun(IServiceScopeFactory scopes)
{
    public const string Path = "/setup";
    private const string AlreadySetUp = "This workspace is already set up. Sign in instead.";

    private volatile bool _complete;

    public async Task<bool> IsCompleteAsync()
    {
        if (_complete) return true;
        await using var scope = scopes.CreateAsyncScope();
        _complete = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Companies.AnyAsync();
        return _complete;
    }

    /// <summary>
    /// Creates the company, its first branch and its owner; returns the owner, or the problems keyed by the setup form's
    /// field (<c>Slug</c>, <c>Email</c>, <c>Password</c>), or by "" when they concern the workspace as a whole.
    /// </summary>
    public async Task<(ApplicationUser? Owner, Dictionary<string, string> Errors)> CreateWorkspaceAsync(
        string companyName, string slug, string branchName, string email, string password, string? ip = null, string? userAgent = null)
    {
        var errors = new Dictionary<string, string>();
        if (await IsCompleteAsync()) errors[""] = AlreadySetUp;
        if (!SlugPattern().IsMatch(slug)) errors["Slug"] = "Use 2–40 lowercase letters, digits or dashes, starting with a letter.";
        if (errors.Count > 0) return (null, errors);

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // A setup submitted at the same moment (to this instance or another) waits here until this one is done, and then
        // finds its company: one workspace, one first owner.
        await using var transaction = await db.Database.BeginSerializedAsync("workspace-setup");
        if (await db.Companies.AnyAsync())
        {
            errors[""] = AlreadySetUp;
            return (null, errors);
        }
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var company = new Company(Ids.New("co", now), slug, companyName.Trim());
        var branch = new Branch(Ids.New("br", now), company.Id, branchName.Trim());
        db.AddRange(company, branch);
        await db.SaveChangesAsync();

        var owner = new ApplicationUser { UserName = email, Email = email, DisplayName = email[..email.IndexOf('@')], LastBranchId = branch.Id };
        var created = await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().CreateAsync(owner, password);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors)
                errors[error.Code.Contains("Password") ? "Password" : "Email"] = error.Description;
            return (null, errors);
        }
        db.Memberships.Add(new Membership(owner.Id, company.Id, Role.Owner));
        db.AuditEvents.Add(new AuditEvent(AuditEventType.WorkspaceCreated, company.Id, branchId: null, apiKeyId: null, company.Name,
            Actor.Person(owner.Id, email, ip, userAgent), now, [new AuditChange("branch", null, branch.Name)]));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        _complete = true;
        return (owner, errors);
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$")]
    private static partial Regex SlugPattern();
}
