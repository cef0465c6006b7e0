using FieldCamp.Domain.Audit;
using System.Security.Claims;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Dashboard;

public sealed record WorkspaceBranch(string Id, string Name);
public sealed record WorkspaceCompany(string Id, string Slug, string Name, Role Role, IReadOnlyList<WorkspaceBranch> Branches);

/// <summary>
/// The signed-in person's place in the dashboard, one per circuit: who they are, the companies they belong to,
/// and the branch they work in (keys are created there). Loaded once by the layout before any page renders.
/// </summary>
internal sealed class Workspace(
    IDbContextFactory<AppDbContext> dbFactory, AuthenticationStateProvider authentication, IHttpContextAccessor http)
{
    public string UserId { get; private set; } = "";
    public string Email { get; private set; } = "";
    public IReadOnlyList<WorkspaceCompany> Companies { get; private set; } = [];
    public WorkspaceCompany? Company { get; private set; }
    public WorkspaceBranch? Branch { get; private set; }

    /// <summary>
    /// The address of the browser that opened this page, for the audit trail. Interactive components have no request of
    /// their own, and the framework does not promise an <see cref="HttpContext"/> during a click; so the page's own
    /// request captures it when it is prerendered (App.razor reads it there) and hands it to the circuit as a parameter
    /// of the root component, which the framework keeps with the circuit, protected from the browser's editing
    /// (<see cref="UseClient"/>).
    /// </summary>
    public string? ClientIp { get; private set; }

    /// <summary>The browser's user agent, captured with <see cref="ClientIp"/>.</summary>
    public string? UserAgent { get; private set; }

    public bool IsLoaded => Company is not null && Branch is not null;
    public Role Role => Company?.Role ?? Role.Member;
    public bool CanManageKeys => Role is Role.Owner or Role.Admin;
    public KeyScope KeyScope => new(Company!.Id, Branch!.Id);

    /// <summary>The signed-in person as the audit trail names them.</summary>
    public Actor Actor => Actor.Person(UserId, Email, ClientIp, UserAgent);

    /// <summary>
    /// Refuses unless the person is an owner or admin of the current company. Reads the role afresh: a role taken away a
    /// minute ago must not still work in an open tab.
    /// </summary>
    public async Task RequireKeyManagerAsync(string refusal)
    {
        if (await CurrentRoleAsync() is not (Role.Owner or Role.Admin)) throw new DashboardForbiddenException(refusal);
    }

    /// <summary>Refuses unless the person is an owner of the current company, read afresh like <see cref="RequireKeyManagerAsync"/>.</summary>
    public async Task RequireOwnerAsync(string refusal)
    {
        if (await CurrentRoleAsync() is not Role.Owner) throw new DashboardForbiddenException(refusal);
    }

    private async Task<Role?> CurrentRoleAsync()
    {
        if (Company is null) return null;
        await using var db = await dbFactory.CreateDbContextAsync();
        var companyId = Company.Id;
        return await db.Memberships.Where(m => m.UserId == UserId && m.CompanyId == companyId)
            .Select(m => (Role?)m.Role).FirstOrDefaultAsync();
    }

    private bool _clientKnown;

    /// <summary>Records the browser this circuit serves, as captured from the page's request (see <see cref="ClientIp"/>).</summary>
    public void UseClient(string? ip, string? userAgent)
    {
        _clientKnown = true;
        ClientIp = string.IsNullOrEmpty(ip) ? null : ip;
        UserAgent = ClientInfo.Truncate(userAgent);
    }

    public async Task LoadAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        UserId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        Email = user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "";
        // Only a workspace that no page told about its browser (one built outside the dashboard's Routes) looks for a request.
        if (!_clientKnown && http.HttpContext is { } context)
            UseClient(ClientInfo.Ip(context), ClientInfo.UserAgent(context));

        await using var db = await dbFactory.CreateDbContextAsync();
        Companies = await ReadCompaniesAsync(db, CancellationToken.None);
        var lastBranchId = await db.Users.Where(u => u.Id == UserId).Select(u => u.LastBranchId).FirstOrDefaultAsync();
        Choose(lastBranchId);
    }

    /// <summary>Raised when the person's companies or roles changed while the tab was open (on a background thread).</summary>
    public event Func<Task>? Changed;

    /// <summary>
    /// Reads the person's memberships again. False when they no longer belong to the company this tab works in; when
    /// a role changed (or a company was added or left), the workspace takes the new roles and raises <see cref="Changed"/>.
    /// </summary>
    public async Task<bool> RevalidateAsync(CancellationToken cancellationToken = default)
    {
        if (!IsLoaded) return true;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var companies = await ReadCompaniesAsync(db, cancellationToken);
        if (companies.All(c => c.Id != Company!.Id)) return false;
        static string Signature(IEnumerable<WorkspaceCompany> list) => string.Join(";", list.Select(c => $"{c.Id}:{c.Role}"));
        if (Signature(companies) == Signature(Companies)) return true;

        Companies = companies;
        Choose(Branch!.Id);
        if (Changed is { } changed) await changed();
        return true;
    }

    private async Task<IReadOnlyList<WorkspaceCompany>> ReadCompaniesAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var memberships = await (
            from m in db.Memberships
            where m.UserId == UserId
            join c in db.Companies on m.CompanyId equals c.Id
            orderby c.Name
            select new { c.Id, c.Slug, c.Name, m.Role }).ToListAsync(cancellationToken);
        var companyIds = memberships.Select(m => m.Id).ToList();
        var branches = await db.Branches.Where(b => companyIds.Contains(b.CompanyId)).OrderBy(b => b.Id).ToListAsync(cancellationToken);
        return [.. memberships.Select(m => new WorkspaceCompany(m.Id, m.Slug, m.Name, m.Role,
            [.. branches.Where(b => b.CompanyId == m.Id).Select(b => new WorkspaceBranch(b.Id, b.Name))]))];
    }

    private void Choose(string? branchId)
    {
        var company = Companies.FirstOrDefault(c => c.Branches.Any(b => b.Id == branchId)) ?? Companies.FirstOrDefault();
        Branch = company?.Branches.FirstOrDefault(b => b.Id == branchId) ?? company?.Branches.FirstOrDefault();
        Company = company;
    }

    /// <summary>Moves to another branch (of any company the person belongs to) and remembers it for next time.</summary>
    public async Task SwitchToAsync(string branchId)
    {
        var company = Companies.FirstOrDefault(c => c.Branches.Any(b => b.Id == branchId))
            ?? throw new InvalidOperationException("Not a branch of yours.");
        await using var db = await dbFactory.CreateDbContextAsync();
        await db.Users.Where(u => u.Id == UserId).ExecuteUpdateAsync(set => set.SetProperty(u => u.LastBranchId, branchId));
        Company = company;
        Branch = company.Branches.First(b => b.Id == branchId);
    }
}
