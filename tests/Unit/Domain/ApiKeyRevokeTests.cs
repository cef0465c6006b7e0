using FieldCamp.Domain;
using FieldCamp.Domain.Audit;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeyRevokeTests
{
    private static readonly DateTime RevokedAt = Now.AddDays(5);

    [Fact]
    public void Revoke_ActiveKey_SetsRevokedAtAndRevokedBy()
    {
        var key = CreateQuiet(Now);

        key.Revoke(Bob, RevokedAt);

        Assert.Equal(RevokedAt, key.RevokedAt);
        Assert.NotNull(key.RevokedBy);
        Assert.Equal(Bob.Id, key.RevokedBy.Id);
        Assert.Equal(Bob.Type, key.RevokedBy.Type);
        Assert.Equal(Bob.Name, key.RevokedBy.Name);
    }

    [Fact]
    public void Revoke_ActiveKey_KeyIsNoLongerUsable()
    {
        var key = CreateQuiet(Now);
        Assert.True(key.IsUsableAt(RevokedAt));

        key.Revoke(Bob, RevokedAt);

        Assert.False(key.IsUsableAt(RevokedAt));
        Assert.False(key.IsUsableAt(RevokedAt.AddDays(1)));
    }

    [Fact]
    public void Revoke_ActiveKey_QueuesRevokedEvent()
    {
        var key = CreateQuiet(Now);

        key.Revoke(Bob, RevokedAt);

        var audit = Assert.Single(key.TakeAuditEvents());
        Assert.Equal(AuditEventType.ApiKeyRevoked, audit.Type);
        Assert.Equal(key.Id, audit.ApiKeyId);
        Assert.Equal(Bob, audit.Actor);
        Assert.Equal(RevokedAt, audit.OccurredAt);
        Assert.Equal(key.Name, audit.Subject);
    }

    [Fact]
    public void Revoke_AlreadyRevoked_ThrowsDomainExceptionAndKeepsFirstRevocation()
    {
        var key = CreateQuiet(Now);
        key.Revoke(Bob, RevokedAt);
        key.TakeAuditEvents();

        Assert.Throws<DomainException>(() => key.Revoke(Alice, RevokedAt.AddHours(1)));

        Assert.Equal(RevokedAt, key.RevokedAt);
        Assert.Equal(Bob.Id, key.RevokedBy?.Id);
        Assert.Empty(key.TakeAuditEvents());
    }
}
