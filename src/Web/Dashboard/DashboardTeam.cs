using FieldCamp.Web.Teams;
using FieldCamp.Domain.Tenancy;

namespace FieldCamp.Web.Dashboard;

/// <summary>
/// The Team page's reads and actions, for the workspace's current company. Owners only: every call re-reads the
/// person's role from the database first, so an admin or member is refused here whatever the page shows.
/// </summary>
internal sealed class DashboardTeam(TeamManager team, Workspace workspace)
{
    public const string OwnersOnly = "Only owners can see and change the company's team.";

    private string CompanyId => workspace.Company?.Id ?? throw new DashboardForbiddenException(OwnersOnly);

    public async Task<TeamView> ListAsync(CancellationToken cancellationToken = default)
    {
        await workspace.RequireOwnerAsync(OwnersOnly);
        return await team.ListAsync(CompanyId, cancellationToken);
    }

    public async Task<InviteResult> InviteAsync(string email, Role role)
    {
        await workspace.RequireOwnerAsync(OwnersOnly);
        return await team.InviteAsync(CompanyId, email, role, workspace.Actor);
    }

    public async Task<bool> ChangeRoleAsync(string userId, Role role)
    {
        await workspace.RequireOwnerAsync(OwnersOnly);
        return await team.ChangeRoleAsync(CompanyId, userId, role, workspace.Actor);
    }

    public async Task<bool> RemoveAsync(string userId)
    {
        await workspace.RequireOwnerAsync(OwnersOnly);
        return await team.RemoveAsync(CompanyId, userId, workspace.Actor);
    }

    public async Task<bool> CancelInvitationAsync(string invitationId)
    {
        await workspace.RequireOwnerAsync(OwnersOnly);
        return await team.CancelInvitationAsync(CompanyId, invitationId, workspace.Actor);
    }
}
