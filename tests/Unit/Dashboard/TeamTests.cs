using System.Net;
using System.Security.Claims;
using System.Text;
using FieldCamp.Domain;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using FieldCamp.Web.Teams;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Dashboard;

/// <summary>The team: invitations, roles, removal and the last owner, through the app's own services and database.</summary>
public sealed class TeamTests : IDisposable
{
    private const string Password = "Welcome!2026x";
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly AppFactory _app;

    public TeamTests() => _app = new AppFactory { Clock = _clock };

    public void Dispose() => _app.Dispose();

    private TeamManager Team => _app.Services.GetRequiredService<TeamManager>();

    private async Task<string> AcmeAsync() => (await _app.TenantAsync("acme")).CompanyId;

    private async Task<string> UserIdAsync(string email)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    private async Task<Role?> RoleAsync(string companyId, string email)
    {
        await using var db = await _app.CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).FirstOrDefaultAsync();
        return await db.Memberships.Where(m => m.CompanyId == companyId && m.UserId == userId).Select(m => (Role?)m.Role).FirstOrDefaultAsync();
    }

    private async Task<List<AuditEvent>> CompanyEventsAsync(string companyId)
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.AuditEvents.Where(e => e.CompanyId == companyId && e.ApiKeyId == null).OrderBy(e => e.Id).ToListAsync();
    }

    /// <summary>The workspace an open tab of this demo person has, as the layout loads it.</summary>
    private async Task<Workspace> WorkspaceAsync(string email)
    {
        var userId = await UserIdAsync(email);
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Email, email)], authenticationType: "Test"));
        var workspace = new Workspace(_app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), new SignedIn(user), new HttpContextAccessor());
        await workspace.LoadAsync();
        return workspace;
    }

    private DashboardTeam DashboardFor(Workspace workspace) => new(Team, workspace);

    private static readonly Actor Owner = Actor.Person("u", "owner@acme.test", "127.0.0.1", "tests");

    [Fact]
    public async Task InviteThenAccept_NewPerson_AccountAndMembershipAndLinkWorksOnce()
    {
        var acme = await AcmeAsync();
        var invited = await Team.InviteAsync(acme, "new.dispatcher@acme.test", Role.Admin, Owner);
        Assert.False(invited.Joined);
        Assert.Equal(_clock.UtcNow.AddDays(7), invited.ExpiresAt);

        var offer = await Team.FindAsync(invited.Token);
        Assert.Equal(new InvitationOffer("Acme Field Services", "new.dispatcher@acme.test", Role.Admin, invited.ExpiresAt!.Value), offer);
        Assert.Contains((await Team.ListAsync(acme)).Invitations, i => i.Email == "new.dispatcher@acme.test" && i.Role == Role.Admin);

        var (user, errors) = await Team.AcceptAsync(invited.Token!, Password, "203.0.113.9", "browser");
        Assert.Empty(errors);
        Assert.NotNull(user);
        Assert.Equal(Role.Admin, await RoleAsync(acme, "new.dispatcher@acme.test"));
        Assert.Empty((await Team.ListAsync(acme)).Invitations);

        // Used up: the same link answers like an unknown one.
        Assert.Null(await Team.FindAsync(invited.Token));
        var (again, againErrors) = await Team.AcceptAsync(invited.Token!, Password);
        Assert.Null(again);
        Assert.Equal(Invitation.NotValidMessage, againErrors[""]);

        var events = await CompanyEventsAsync(acme);
        var invitedEvent = Assert.Single(events, e => e.Type == AuditEventType.MemberInvited);
        var accepted = Assert.Single(events, e => e.Type == AuditEventType.InvitationAccepted);
        Assert.Null(invitedEvent.BranchId);
        Assert.Equal("new.dispatcher@acme.test", invitedEvent.Subject);
        Assert.Equal("owner@acme.test", invitedEvent.Actor.Name);
        Assert.Equal("new.dispatcher@acme.test", accepted.Actor.Name);
        Assert.Equal("203.0.113.9", accepted.Actor.Ip);
        // The token is never written down: not in an event, not in the database.
        Assert.DoesNotContain(invited.Token!, await _app.StoredTextAsync());
        if (File.Exists(_app.DatabasePath)) Assert.DoesNotContain(invited.Token!, await File.ReadAllTextAsync(_app.DatabasePath, Encoding.Latin1));
        Assert.All(events, e => Assert.DoesNotContain(invited.Token!, $"{e.Note} {e.Subject} {string.Join(",", e.Changes)}"));
    }

    [Fact]
    public async Task Accept_AfterSevenDays_RefusedWithTheSameMessage()
    {
        var acme = await AcmeAsync();
        var invited = await Team.InviteAsync(acme, "late@acme.test", Role.Member, Owner);
        _clock.Advance(TimeSpan.FromDays(7));

        Assert.Null(await Team.FindAsync(invited.Token));
        var (user, errors) = await Team.AcceptAsync(invited.Token!, Password);
        Assert.Null(user);
        Assert.Equal(Invitation.NotValidMessage, errors[""]);
        Assert.Null(await RoleAsync(acme, "late@acme.test"));
        Assert.Empty((await Team.ListAsync(acme)).Invitations);
    }

    [Fact]
    public async Task Accept_UnknownOrCancelledToken_SameMessage()
    {
        var acme = await AcmeAsync();
        var invited = await Team.InviteAsync(acme, "cancelled@acme.test", Role.Member, Owner);
        var id = Assert.Single((await Team.ListAsync(acme)).Invitations).Id;
        Assert.True(await Team.CancelInvitationAsync(acme, id, Owner));

        Assert.Equal(Invitation.NotValidMessage, (await Team.AcceptAsync(invited.Token!, Password)).Errors[""]);
        Assert.Equal(Invitation.NotValidMessage, (await Team.AcceptAsync("AAAAAAAAAAAAAAAAAAAAAA", Password)).Errors[""]);
        Assert.Contains(await CompanyEventsAsync(acme), e => e.Type == AuditEventType.InvitationCancelled && e.Subject == "cancelled@acme.test");
    }

    [Fact]
    public async Task Accept_WeakPassword_IdentityRulesSaySoAndTheLinkStillWorks()
    {
        var acme = await AcmeAsync();
        var invited = await Team.InviteAsync(acme, "weak@acme.test", Role.Member, Owner);

        var (user, errors) = await Team.AcceptAsync(invited.Token!, "password");
        Assert.Null(user);
        Assert.Contains("Password", errors.Keys);
        Assert.NotNull(await Team.FindAsync(invited.Token));
    }

    [Fact]
    public async Task Invite_ExistingAccount_JoinsDirectly()
    {
        var acme = await AcmeAsync();
        var result = await Team.InviteAsync(acme, "OWNER@globex.test", Role.Member, Owner);

        Assert.True(result.Joined);
        Assert.Null(result.Token);
        Assert.Equal(Role.Member, await RoleAsync(acme, "owner@globex.test"));
        var added = Assert.Single(await CompanyEventsAsync(acme), e => e.Type == AuditEventType.MemberAdded);
        Assert.Equal("owner@globex.test", added.Subject);
        Assert.Null(added.BranchId);

        var twice = await Assert.ThrowsAsync<DomainException>(() => Team.InviteAsync(acme, "owner@globex.test", Role.Admin, Owner));
        Assert.Contains("already a member", twice.Message);
    }

    [Fact]
    public async Task Invite_SameEmailAgain_OldLinkStopsWorking()
    {
        var acme = await AcmeAsync();
        var first = await Team.InviteAsync(acme, "twice@acme.test", Role.Member, Owner);
        var second = await Team.InviteAsync(acme, "twice@acme.test", Role.Admin, Owner);

        Assert.Null(await Team.FindAsync(first.Token));
        Assert.Equal(Role.Admin, (await Team.FindAsync(second.Token))!.Role);
        Assert.Single((await Team.ListAsync(acme)).Invitations);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("")]
    public async Task Invite_BadEmail_ValidationError(string email)
    {
        var acme = await AcmeAsync();
        var invalid = await Assert.ThrowsAsync<DomainValidationException>(() => Team.InviteAsync(acme, email, Role.Member, Owner));
        Assert.Contains("email", invalid.Errors.Keys);
    }

    [Fact]
    public async Task ChangeRole_AdminToMember_AuditedBeforeAndAfter()
    {
        var acme = await AcmeAsync();
        Assert.True(await Team.ChangeRoleAsync(acme, await UserIdAsync("admin@acme.test"), Role.Member, Owner));

        Assert.Equal(Role.Member, await RoleAsync(acme, "admin@acme.test"));
        var changed = Assert.Single(await CompanyEventsAsync(acme), e => e.Type == AuditEventType.MemberRoleChanged);
        Assert.Equal("admin@acme.test", changed.Subject);
        Assert.Equal(new AuditChange("role", "Admin", "Member"), Assert.Single(changed.Changes));
    }

    [Fact]
    public async Task Remove_Member_MembershipGoneAndAudited()
    {
        var acme = await AcmeAsync();
        Assert.True(await Team.RemoveAsync(acme, await UserIdAsync("member@acme.test"), Owner));

        Assert.Null(await RoleAsync(acme, "member@acme.test"));
        Assert.Contains(await CompanyEventsAsync(acme), e => e.Type == AuditEventType.MemberRemoved && e.Subject == "member@acme.test" && e.BranchId == null);
    }

    [Fact]
    public async Task LastOwner_NeitherDemotedNorRemoved()
    {
        var acme = await AcmeAsync();
        var owner = await UserIdAsync("owner@acme.test");

        Assert.Equal(TeamRules.LastOwnerMessage, (await Assert.ThrowsAsync<DomainException>(() => Team.ChangeRoleAsync(acme, owner, Role.Admin, Owner))).Message);
        Assert.Equal(TeamRules.LastOwnerMessage, (await Assert.ThrowsAsync<DomainException>(() => Team.RemoveAsync(acme, owner, Owner))).Message);
        Assert.Equal(Role.Owner, await RoleAsync(acme, "owner@acme.test"));

        // With a second owner, the first may step down.
        await Team.ChangeRoleAsync(acme, await UserIdAsync("admin@acme.test"), Role.Owner, Owner);
        Assert.True(await Team.ChangeRoleAsync(acme, owner, Role.Admin, Owner));
    }

    [Fact]
    public async Task AnotherCompanysPerson_NotFound()
    {
        var acme = await AcmeAsync();
        var globexOwner = await UserIdAsync("owner@globex.test");

        Assert.False(await Team.ChangeRoleAsync(acme, globexOwner, Role.Member, Owner));
        Assert.False(await Team.RemoveAsync(acme, globexOwner, Owner));
        Assert.Equal(Role.Owner, await RoleAsync((await _app.TenantAsync("globex")).CompanyId, "owner@globex.test"));
    }

    [Theory]
    [InlineData("admin@acme.test")]
    [InlineData("member@acme.test")]
    public async Task Dashboard_NotAnOwner_RefusedOnTheServer(string email)
    {
        var team = DashboardFor(await WorkspaceAsync(email));
        var memberId = await UserIdAsync("member@acme.test");

        await Assert.ThrowsAsync<DashboardForbiddenException>(() => team.ListAsync());
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => team.InviteAsync("someone@acme.test", Role.Owner));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => team.ChangeRoleAsync(memberId, Role.Owner));
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => team.RemoveAsync(memberId));
        Assert.Equal(Role.Member, await RoleAsync(await AcmeAsync(), "member@acme.test"));
    }

    [Fact]
    public async Task Dashboard_OwnerDemotedInAnotherTab_RefusedAtOnce()
    {
        var acme = await AcmeAsync();
        await Team.ChangeRoleAsync(acme, await UserIdAsync("admin@acme.test"), Role.Owner, Owner);
        var workspace = await WorkspaceAsync("admin@acme.test");
        var team = DashboardFor(workspace);
        Assert.Equal(3, (await team.ListAsync()).People.Count);

        await Team.ChangeRoleAsync(acme, await UserIdAsync("admin@acme.test"), Role.Admin, Owner);
        await Assert.ThrowsAsync<DashboardForbiddenException>(() => team.ListAsync());
    }

    [Fact]
    public async Task Dashboard_Owner_ListsTheThreeAcmePeopleAndActsAsThemselves()
    {
        var team = DashboardFor(await WorkspaceAsync("owner@acme.test"));

        var view = await team.ListAsync();
        Assert.Equal(["owner@acme.test", "admin@acme.test", "member@acme.test"], view.People.Select(p => p.Email));
        await team.InviteAsync("helper@acme.test", Role.Member);
        var invited = Assert.Single(await CompanyEventsAsync(await AcmeAsync()), e => e.Type == AuditEventType.MemberInvited);
        Assert.Equal("owner@acme.test", invited.Actor.Name);
        Assert.Equal("owner@acme.test", Assert.Single((await team.ListAsync()).Invitations).InvitedBy);
    }

    [Fact]
    public async Task Revalidate_RoleLowered_WorkspaceTakesTheNewRoleAndSaysSo()
    {
        var workspace = await WorkspaceAsync("admin@acme.test");
        var changes = 0;
        workspace.Changed += () => { changes++; return Task.CompletedTask; };
        Assert.True(await workspace.RevalidateAsync());
        Assert.Equal(0, changes);

        await Team.ChangeRoleAsync(await AcmeAsync(), await UserIdAsync("admin@acme.test"), Role.Member, Owner);

        Assert.True(await workspace.RevalidateAsync());
        Assert.Equal(1, changes);
        Assert.Equal(Role.Member, workspace.Role);
        Assert.False(workspace.CanManageKeys);
        Assert.NotNull(workspace.Branch);
    }

    [Fact]
    public async Task Revalidate_MembershipRemoved_SignsTheTabOut()
    {
        var workspace = await WorkspaceAsync("member@acme.test");
        await Team.RemoveAsync(await AcmeAsync(), await UserIdAsync("member@acme.test"), Owner);

        Assert.False(await workspace.RevalidateAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AcceptPage_ValidOrNotLink_ShowsTheCompanyOrOneMessage(bool valid)
    {
        var token = valid ? (await Team.InviteAsync(await AcmeAsync(), "page@acme.test", Role.Admin, Owner)).Token! : "not-a-real-token";
        using var client = _app.CreateClient();

        var response = await client.GetAsync($"/account/invite/{token}");
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (valid)
        {
            Assert.Contains("Join Acme Field Services", html);
            Assert.Contains("page@acme.test", html);
        }
        else
        {
            Assert.Contains(Invitation.NotValidMessage, html);
        }
    }

    private sealed class SignedIn(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
