using FieldCamp.Domain;
using FieldCamp.Domain.Tenancy;

namespace FieldCamp.Tests.Unit.Domain;

public class TeamRulesTests
{
    [Theory]
    [InlineData(Role.Admin)]
    [InlineData(Role.Member)]
    [InlineData(null)]
    public void EnsureAnOwnerRemains_LastOwnerDemotedOrRemoved_Refused(Role? newRole)
    {
        var refused = Assert.Throws<DomainException>(() => TeamRules.EnsureAnOwnerRemains(Role.Owner, newRole, ownerCount: 1));
        Assert.Equal(TeamRules.LastOwnerMessage, refused.Message);
    }

    [Theory]
    [InlineData(Role.Admin)]
    [InlineData(null)]
    public void EnsureAnOwnerRemains_AnotherOwnerLeft_Allowed(Role? newRole) =>
        TeamRules.EnsureAnOwnerRemains(Role.Owner, newRole, ownerCount: 2);

    [Theory]
    [InlineData(Role.Admin, Role.Member)]
    [InlineData(Role.Member, null)]
    [InlineData(Role.Admin, Role.Owner)]
    public void EnsureAnOwnerRemains_NotAnOwner_Allowed(Role currentRole, Role? newRole) =>
        TeamRules.EnsureAnOwnerRemains(currentRole, newRole, ownerCount: 1);

    [Fact]
    public void EnsureAnOwnerRemains_LastOwnerStaysOwner_Allowed() =>
        TeamRules.EnsureAnOwnerRemains(Role.Owner, Role.Owner, ownerCount: 1);
}

public class InvitationTests
{
    private static readonly DateTime Now = new(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Create_TokenIs128RandomBits_OnlyItsHashIsKept()
    {
        var (invitation, token) = Invitation.Create("co_1", " New.Person@Example.com ", Role.Admin, "owner@acme.test", Now);
        var (_, other) = Invitation.Create("co_1", "x@example.com", Role.Admin, "owner@acme.test", Now);

        Assert.Equal(22, token.Length); // 16 bytes, base64url without padding
        Assert.NotEqual(token, other);
        Assert.Equal(Invitation.HashToken(token), invitation.TokenHash);
        Assert.Equal("New.Person@Example.com", invitation.Email);
        Assert.Equal("NEW.PERSON@EXAMPLE.COM", invitation.NormalizedEmail);
        Assert.Equal(Now.AddDays(7), invitation.ExpiresAt);
        Assert.StartsWith("inv_", invitation.Id);
    }

    [Fact]
    public void IsPendingAt_SevenDaysLater_Expired()
    {
        var (invitation, _) = Invitation.Create("co_1", "a@example.com", Role.Member, "o", Now);
        Assert.True(invitation.IsPendingAt(Now.AddDays(7).AddSeconds(-1)));
        Assert.False(invitation.IsPendingAt(Now.AddDays(7)));
        Assert.Throws<DomainException>(() => invitation.Accept(Now.AddDays(7)));
    }

    [Fact]
    public void Accept_Twice_SecondRefused()
    {
        var (invitation, _) = Invitation.Create("co_1", "a@example.com", Role.Member, "o", Now);
        invitation.Accept(Now.AddHours(1));
        Assert.False(invitation.IsPendingAt(Now.AddHours(2)));
        Assert.Equal(Invitation.NotValidMessage, Assert.Throws<DomainException>(() => invitation.Accept(Now.AddHours(2))).Message);
    }

    [Fact]
    public void Cancel_Pending_NoLongerAcceptable()
    {
        var (invitation, _) = Invitation.Create("co_1", "a@example.com", Role.Member, "o", Now);
        invitation.Cancel(Now.AddHours(1));
        Assert.Throws<DomainException>(() => invitation.Accept(Now.AddHours(2)));
        Assert.Throws<DomainException>(() => invitation.Cancel(Now.AddHours(2)));
    }

    [Fact]
    public void Create_UnknownRole_Refused() =>
        Assert.Throws<DomainException>(() => Invitation.Create("co_1", "a@example.com", (Role)9, "o", Now));
}
