using System.ComponentModel.DataAnnotations;
using FieldCamp.Domain;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Teams;

public sealed record TeamPerson(string UserId, string Email, string DisplayName, Role Role);
public sealed record PendingInvitation(string Id, string Email, Role Role, string InvitedBy, DateTime CreatedAt, DateTime ExpiresAt);
public sealed record TeamView(IReadOnlyList<TeamPerson> People, IReadOnlyList<PendingInvitation> Invitations);

/// <summary>
/// The result of adding someone: an existing account joins at once (<see cref="Token"/> is null); anyone else gets an
/// invitation whose token is here, the only copy, to be shown once.
/// </summary>
public sealed record InviteResult(string Email, Role Role, string? Token, DateTime? ExpiresAt)
{
    public bool Joined => Token is null;
}

/// <summary>What the accept page shows about a live invitation.</summary>
public sealed record InvitationOffer(string CompanyName, string Email, Role Role, DateTime ExpiresAt);

/// <summary>
/// A company's people: list, invite or add, change a role, remove, and accept an invitation. Shared by the dashboard
/// (which checks first that the person is an owner) and the operator command line. Every change is audited as a
/// company-wide event naming the person by e-mail; an invitation's token is never written anywhere but the link.
/// </summary>
internal sealed class TeamManager(IServiceScopeFactory scopes, TimeProvider time)
{
    public const string InvitePath = "account/invite/";

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    /// <summary>The link an invitee opens, under the site's base address (ending in a slash or not).</summary>
    public static string InvitationLink(string baseUrl, string token) => $"{baseUrl.TrimEnd('/')}/{InvitePath}{token}";

    public async Task<TeamView> ListAsync(string companyId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var people = await (
            from m in db.Memberships.AsNoTracking()
            where m.CompanyId == companyId
            join u in db.Users on m.UserId equals u.Id
            orderby m.Role, u.Email
            select new TeamPerson(u.Id, u.Email ?? "", u.DisplayName, m.Role)).ToListAsync(cancellationToken);
        var now = Now;
        var invitations = await db.Invitations.AsNoTracking()
            .Where(i => i.CompanyId == companyId && i.AcceptedAt == null && i.CancelledAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.CreatedAt)
            .Select(i => new PendingInvitation(i.Id, i.Email, i.Role, i.InvitedBy, i.CreatedAt, i.ExpiresAt))
            .ToListAsync(cancellationToken);
        return new TeamView(people, invitations);
    }

    /// <summary>
    /// Adds the person with this e-mail: an existing account becomes a member at once; anyone else gets an invitation
    /// valid for 7 days. Inviting an e-mail again replaces its pending invitation (the old link stops working).
    /// </summary>
    public async Task<InviteResult> InviteAsync(string companyId, string email, Role role, Actor actor)
    {
        email = email.Trim();
        if (email.Length is 0 or > 256 || !new EmailAddressAttribute().IsValid(email))
            throw new DomainValidationException(new Dictionary<string, string[]> { ["email"] = ["Enter a valid e-mail address."] });
        if (!Enum.IsDefined(role)) throw new DomainValidationException(new Dictionary<string, string[]> { ["role"] = ["Choose Owner, Admin or Member."] });

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var transaction = await db.Database.BeginSerializedAsync(TeamLock(companyId));
        var now = Now;
        var normalized = Invitation.Normalize(email);
        var user = await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => new { u.Id, u.Email }).FirstOrDefaultAsync();
        if (user is not null)
        {
            if (await db.Memberships.AnyAsync(m => m.UserId == user.Id && m.CompanyId == companyId))
                throw new DomainException($"{user.Email} is already a member of this company. Change their role instead.");
            db.Memberships.Add(new Membership(user.Id, companyId, role));
            db.AuditEvents.Add(Event(AuditEventType.MemberAdded, companyId, user.Email ?? email, actor, now,
                [new AuditChange("role", null, role.ToString())]));
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            return new InviteResult(user.Email ?? email, role, null, null);
        }

        var earlier = await db.Invitations
            .Where(i => i.CompanyId == companyId && i.NormalizedEmail == normalized && i.AcceptedAt == null && i.CancelledAt == null && i.ExpiresAt > now)
            .ToListAsync();
        foreach (var old in earlier)
        {
            old.Cancel(now);
            db.AuditEvents.Add(Event(AuditEventType.InvitationCancelled, companyId, old.Email, actor, now, note: "Replaced by a new invitation."));
        }
        var (invitation, token) = Invitation.Create(companyId, email, role, actor.Name, now);
        db.Invitations.Add(invitation);
        db.AuditEvents.Add(Event(AuditEventType.MemberInvited, companyId, invitation.Email, actor, now,
            [new AuditChange("role", null, role.ToString())], $"Invitation valid until {invitation.ExpiresAt:yyyy-MM-dd HH:mm} UTC."));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return new InviteResult(invitation.Email, role, token, invitation.ExpiresAt);
    }

    /// <summary>Gives a member another role; the last owner cannot be demoted. False when the person is not a member.</summary>
    public async Task<bool> ChangeRoleAsync(string companyId, string userId, Role role, Actor actor)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Two owners demoting each other at the same moment are counted one after the other, so one of them stays an owner.
        await using var transaction = await db.Database.BeginSerializedAsync(TeamLock(companyId));
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.CompanyId == companyId && m.UserId == userId);
        if (membership is null) return false;
        if (membership.Role == role) return true;
        TeamRules.EnsureAnOwnerRemains(membership.Role, role, await OwnerCountAsync(db, companyId));
        var before = membership.Role;
        membership.ChangeRole(role);
        db.AuditEvents.Add(Event(AuditEventType.MemberRoleChanged, companyId, await EmailOfAsync(db, userId), actor, Now,
            [new AuditChange("role", before.ToString(), role.ToString())]));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Takes the person out of the company (their account stays); the last owner cannot be removed.</summary>
    public async Task<bool> RemoveAsync(string companyId, string userId, Actor actor)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await using var transaction = await db.Database.BeginSerializedAsync(TeamLock(companyId));
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.CompanyId == companyId && m.UserId == userId);
        if (membership is null) return false;
        TeamRules.EnsureAnOwnerRemains(membership.Role, null, await OwnerCountAsync(db, companyId));
        db.Memberships.Remove(membership);
        db.AuditEvents.Add(Event(AuditEventType.MemberRemoved, companyId, await EmailOfAsync(db, userId), actor, Now,
            [new AuditChange("role", membership.Role.ToString(), null)]));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Stops a pending invitation's link from working. False when there is no such pending invitation.</summary>
    public async Task<bool> CancelInvitationAsync(string companyId, string invitationId, Actor actor)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = Now;
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.CompanyId == companyId && i.Id == invitationId);
        if (invitation is null || !invitation.IsPendingAt(now)) return false;
        invitation.Cancel(now);
        db.AuditEvents.Add(Event(AuditEventType.InvitationCancelled, companyId, invitation.Email, actor, now,
            [new AuditChange("role", invitation.Role.ToString(), null)]));
        await db.SaveChangesAsync();
        return true;
    }

    /// <summary>The live invitation behind a link's token, or null for an unknown, used, cancelled or expired one.</summary>
    public async Task<InvitationOffer?> FindAsync(string? token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64) return null;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var hash = Invitation.HashToken(token);
        var now = Now;
        return await (
            from i in db.Invitations.AsNoTracking()
            where i.TokenHash == hash && i.AcceptedAt == null && i.CancelledAt == null && i.ExpiresAt > now
            join c in db.Companies on i.CompanyId equals c.Id
            select new InvitationOffer(c.Name, i.Email, i.Role, i.ExpiresAt)).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Creates the invitee's account with the chosen password and their membership, and uses the invitation up.
    /// Returns the new account, or the problems keyed by "Password" (Identity's rules) or "" (the link itself).
    /// </summary>
    public async Task<(ApplicationUser? User, Dictionary<string, string> Errors)> AcceptAsync(string token, string password,
        string? ip = null, string? userAgent = null)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrEmpty(token) || token.Length > 64)
        {
            errors[""] = Invitation.NotValidMessage;
            return (null, errors);
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        // The same link submitted twice at once creates one account: the second waits here, then finds the link used.
        var hash = Invitation.HashToken(token);
        await using var transaction = await db.Database.BeginSerializedAsync("invitation:" + Convert.ToHexString(hash));
        var now = Now;
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.TokenHash == hash);
        if (invitation is null || !invitation.IsPendingAt(now))
        {
            errors[""] = Invitation.NotValidMessage;
            return (null, errors);
        }
        if (await db.Users.AnyAsync(u => u.NormalizedEmail == invitation.NormalizedEmail))
        {
            // Setting a password here would take the existing account over with nothing but the link.
            errors[""] = $"{invitation.Email} already has an account. Sign in with it, and ask an owner to add it to the company: an existing account joins directly.";
            return (null, errors);
        }

        var branchId = await db.Branches.Where(b => b.CompanyId == invitation.CompanyId).OrderBy(b => b.Id).Select(b => b.Id).FirstOrDefaultAsync();
        var user = new ApplicationUser
        {
            UserName = invitation.Email, Email = invitation.Email, EmailConfirmed = true,
            DisplayName = invitation.Email[..invitation.Email.IndexOf('@')], LastBranchId = branchId,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            errors["Password"] = string.Join(" ", created.Errors.Select(e => e.Description));
            return (null, errors);
        }
        invitation.Accept(now);
        db.Memberships.Add(new Membership(user.Id, invitation.CompanyId, invitation.Role));
        db.AuditEvents.Add(Event(AuditEventType.InvitationAccepted, invitation.CompanyId, invitation.Email,
            Actor.Person(user.Id, invitation.Email, ip, userAgent), now, [new AuditChange("role", null, invitation.Role.ToString())]));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return (user, errors);
    }

    private static Task<int> OwnerCountAsync(AppDbContext db, string companyId) =>
        db.Memberships.CountAsync(m => m.CompanyId == companyId && m.Role == Role.Owner);

    private static async Task<string> EmailOfAsync(AppDbContext db, string userId) =>
        await db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync() ?? userId;

    private static AuditEvent Event(AuditEventType type, string companyId, string email, Actor actor, DateTime now,
        IReadOnlyList<AuditChange>? changes = null, string? note = null) =>
        new(type, companyId, branchId: null, apiKeyId: null, subject: email, actor, now, changes, note);

    /// <summary>Membership changes of one company run one at a time: the last owner is counted by each in turn.</summary>
    private static string TeamLock(string companyId) => "team:" + companyId;
}
