using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Rotation;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

/// <summary>The rotation record's state machine, driven by a clock the test moves.</summary>
public sealed class KeyRotationTests
{
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);

    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(Now));

    private (ApiKey Old, KeyRotation Rotation, ApiKey Replacement) Start(RotationOptions? options = null, DateTime? oldExpiry = null)
    {
        var old = CreateQuiet(_clock.UtcNow.AddDays(-30), Spec(expiresAt: oldExpiry ?? _clock.UtcNow.AddDays(60)));
        _clock.Advance(TimeSpan.FromMinutes(1));
        var (rotation, replacement, _) = KeyRotation.Start(old, options ?? new RotationOptions(), Alice, _clock.UtcNow);
        old.TakeAuditEvents();
        replacement.TakeAuditEvents();
        return (old, rotation, replacement);
    }

    private static void SetLastUsed(ApiKey key, DateTime at) => SetLastUsedAt(key, at);

    [Fact]
    public void Start_ActiveKey_MintsLinkedReplacementAtStepOne()
    {
        var old = CreateQuiet(Now, Spec(expiresAt: Now.AddDays(90)));

        var (rotation, replacement, secret) = KeyRotation.Start(old, new RotationOptions(AutoRevokeWhenIdleHours: 12), Alice, Now.AddHours(1));

        Assert.True(ApiKeySecret.IsWellFormed(secret));
        Assert.StartsWith("rot_", rotation.Id);
        Assert.Equal(RotationStep.Minted, rotation.Step);
        Assert.True(rotation.IsActive);
        Assert.Equal(old.Id, rotation.OldKeyId);
        Assert.Equal(replacement.Id, rotation.ReplacementKeyId);
        Assert.Equal(replacement.Id, old.ReplacedByKeyId);
        Assert.Equal(old.Id, replacement.ReplacesKeyId);
        Assert.Equal(12, rotation.AutoRevokeAfterIdleHours);
        Assert.Equal(Now.AddDays(90), rotation.OldKeyExpiresAtBefore);
        Assert.Equal(Alice.Id, rotation.StartedBy.Id);
        Assert.Null(rotation.StartedBy.Ip);
        Assert.Contains(old.TakeAuditEvents(), e => e.Type == AuditEventType.ApiKeyRotated);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(721)]
    public void Start_AutoRevokeOutOfRange_ValidationErrorAndNothingRotated(int hours)
    {
        var old = CreateQuiet(Now);

        var ex = Assert.Throws<DomainValidationException>(() => KeyRotation.Start(old, new RotationOptions(AutoRevokeWhenIdleHours: hours), Alice, Now));

        Assert.Equal(["autoRevokeWhenIdleHours"], ex.Errors.Keys);
        Assert.Null(old.ReplacedByKeyId);
    }

    [Fact]
    public void Start_RevokedExpiredOrRotatedKey_DomainException()
    {
        var revoked = CreateQuiet(Now);
        revoked.Revoke(Alice, Now);
        var expired = CreateQuiet(Now, Spec(expiresAt: Now.AddHours(1)));
        var rotated = CreateQuiet(Now);
        rotated.Rotate(new RotationOptions(), Alice, Now);

        Assert.Throws<DomainException>(() => KeyRotation.Start(revoked, new RotationOptions(), Alice, Now.AddMinutes(1)));
        Assert.Throws<DomainException>(() => KeyRotation.Start(expired, new RotationOptions(), Alice, Now.AddHours(2)));
        Assert.Throws<DomainException>(() => KeyRotation.Start(rotated, new RotationOptions(), Alice, Now.AddMinutes(1)));
    }

    [Fact]
    public void Start_WiderScopesAllowedOnlyWhenAcknowledged()
    {
        var old = CreateQuiet(Now, Spec(scopes: ["jobs:read"]));
        Assert.Throws<DomainValidationException>(() => KeyRotation.Start(old, new RotationOptions(Scopes: ["jobs:read", "clients:read"]), Alice, Now));

        var (_, replacement, _) = KeyRotation.Start(old,
            new RotationOptions(Scopes: ["jobs:read", "clients:read"], AllowWiderScopes: true, Name: "  renamed  "), Alice, Now);

        Assert.Equal(["clients:read", "jobs:read"], replacement.Scopes);
        Assert.Equal("renamed", replacement.Name);
    }

    [Fact]
    public void GoTo_EveryStepInOrder_RecordsEachMove()
    {
        var (old, rotation, _) = Start();

        foreach (var step in new[] { RotationStep.Deploying, RotationStep.WatchingIdle, RotationStep.RevokeOld })
        {
            _clock.Advance(TimeSpan.FromMinutes(5));
            rotation.Advance(Bob, _clock.UtcNow);
            Assert.Equal(step, rotation.Step);
            Assert.Equal(_clock.UtcNow, rotation.StepChangedAt);
        }

        var events = rotation.TakeAuditEvents();
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal(AuditEventType.RotationStepChanged, e.Type));
        Assert.All(events, e => Assert.Equal(old.Id, e.ApiKeyId));
        Assert.Equal(["mint→deploy", "deploy→watch", "watch→revoke"], events.Select(e => $"{e.Changes[0].From}→{e.Changes[0].To}"));
    }

    [Fact]
    public void GoTo_SkippingAheadRefused_GoingBackAllowed()
    {
        var (_, rotation, _) = Start();

        Assert.Throws<DomainException>(() => rotation.GoTo(RotationStep.WatchingIdle, Bob, _clock.UtcNow));
        Assert.Throws<DomainException>(() => rotation.GoTo(RotationStep.Completed, Bob, _clock.UtcNow));
        rotation.Advance(Bob, _clock.UtcNow);
        rotation.Advance(Bob, _clock.UtcNow);
        rotation.GoTo(RotationStep.Deploying, Bob, _clock.UtcNow);

        Assert.Equal(RotationStep.Deploying, rotation.Step);
    }

    [Fact]
    public void Tick_StoresTimeAndPerson_UntickRemoves_UnknownItemRefused()
    {
        var (_, rotation, _) = Start();
        _clock.Advance(TimeSpan.FromMinutes(3));

        rotation.Tick(RotationChecklist.SecretStore, true, Bob, _clock.UtcNow);
        rotation.Tick(RotationChecklist.SecretStore, true, Bob, _clock.UtcNow.AddMinutes(1)); // already ticked: unchanged
        rotation.Tick(RotationChecklist.Redeploy, true, Alice, _clock.UtcNow);
        rotation.Tick(RotationChecklist.Redeploy, false, Alice, _clock.UtcNow);

        var tick = Assert.Single(rotation.Ticks);
        Assert.Equal(new RotationTick(RotationChecklist.SecretStore, _clock.UtcNow, Bob.Name), tick);
        Assert.True(rotation.IsTicked(RotationChecklist.SecretStore));
        Assert.Equal(3, rotation.TakeAuditEvents().Count(e => e.Type == AuditEventType.RotationChecklistTicked));
        Assert.Throws<DomainValidationException>(() => rotation.Tick("coffee", true, Bob, _clock.UtcNow));
    }

    [Fact]
    public void Resume_StateLivesInTheRecord_AnotherAdminContinuesAtTheSameStep()
    {
        var (_, rotation, _) = Start();
        rotation.Advance(Alice, _clock.UtcNow);
        rotation.Tick(RotationChecklist.TestCall, true, Alice, _clock.UtcNow);

        // Nothing but the record carries the state: Bob picks up where Alice left off.
        Assert.Equal(RotationStep.Deploying, rotation.Step);
        rotation.Advance(Bob, _clock.UtcNow);
        Assert.Equal(RotationStep.WatchingIdle, rotation.Step);
        Assert.True(rotation.IsTicked(RotationChecklist.TestCall));
    }

    [Fact]
    public void IdleRule_MeasuredFromRotationStartWhenUnusedSince_ElseFromLastUse()
    {
        var (old, rotation, _) = Start();
        var started = rotation.StartedAt;
        SetLastUsed(old, started.AddHours(-5)); // used before the rotation only

        _clock.Advance(TimeSpan.FromHours(7));
        Assert.Equal(TimeSpan.FromHours(7), rotation.IdleFor(old, _clock.UtcNow));

        SetLastUsed(old, started.AddHours(6));
        Assert.Equal(TimeSpan.FromHours(1), rotation.IdleFor(old, _clock.UtcNow));
        Assert.Equal(started.AddHours(6), rotation.IdleSince(old));
    }

    [Fact]
    public void RevokeOld_BeforeIdleDay_RefusedWithoutNameAllowedWithIt()
    {
        var (old, rotation, _) = Start();
        _clock.Advance(TimeSpan.FromHours(7));

        var gate = rotation.RevokeGateFor(old, Day, _clock.UtcNow);
        Assert.False(gate.IdleLongEnough);
        Assert.Equal(TimeSpan.FromHours(7), gate.IdleFor);
        var refused = Assert.Throws<DomainException>(() => rotation.RevokeOld(old, null, Day, Bob, _clock.UtcNow));
        Assert.Contains("7 h", refused.Message);
        Assert.Throws<DomainException>(() => rotation.RevokeOld(old, old.Name.ToUpperInvariant(), Day, Bob, _clock.UtcNow));
        Assert.Null(old.RevokedAt);

        rotation.RevokeOld(old, old.Name, Day, Bob, _clock.UtcNow);

        Assert.Equal(_clock.UtcNow, old.RevokedAt);
        Assert.Equal(RotationStep.Completed, rotation.Step);
        Assert.False(rotation.IsActive);
        Assert.Equal(Bob.Id, rotation.EndedBy!.Id);
        Assert.Contains(rotation.TakeAuditEvents(), e => e.Type == AuditEventType.RotationCompleted);
    }

    [Fact]
    public void RevokeOld_AfterFullIdlePeriod_AllowedWithoutName()
    {
        var (old, rotation, _) = Start();
        _clock.Advance(Day);

        Assert.True(rotation.RevokeGateFor(old, Day, _clock.UtcNow).IdleLongEnough);
        rotation.RevokeOld(old, null, Day, Bob, _clock.UtcNow);

        Assert.NotNull(old.RevokedAt);
        Assert.Throws<DomainException>(() => rotation.Advance(Bob, _clock.UtcNow));
    }

    [Fact]
    public void RevokeOld_ConfiguredPeriod_IsTheOneApplied()
    {
        var (old, rotation, _) = Start();
        _clock.Advance(TimeSpan.FromHours(2));

        Assert.False(rotation.RevokeGateFor(old, Day, _clock.UtcNow).IdleLongEnough);
        Assert.True(rotation.RevokeGateFor(old, TimeSpan.FromHours(2), _clock.UtcNow).IdleLongEnough);
    }

    [Fact]
    public void Cancel_RevokesReplacementRestoresOldKey_AndCannotContinue()
    {
        var expiry = Now.AddDays(60);
        var (old, rotation, replacement) = Start(new RotationOptions(OldKeyExpiresInHours: 24), oldExpiry: expiry);
        Assert.Equal(_clock.UtcNow.AddHours(24), old.ExpiresAt);
        _clock.Advance(TimeSpan.FromHours(2));

        rotation.Cancel(old, replacement, Bob, _clock.UtcNow);

        Assert.Equal(RotationStep.Cancelled, rotation.Step);
        Assert.Equal(_clock.UtcNow, replacement.RevokedAt);
        Assert.Null(old.ReplacedByKeyId);
        Assert.Equal(expiry, old.ExpiresAt); // the overlap's cutoff is undone
        Assert.Contains(rotation.TakeAuditEvents(), e => e.Type == AuditEventType.RotationCancelled && e.Actor == Bob);
        Assert.Contains(replacement.TakeAuditEvents(), e => e.Type == AuditEventType.ApiKeyRevoked);
        Assert.Throws<DomainException>(() => rotation.Advance(Bob, _clock.UtcNow));
        Assert.Throws<DomainException>(() => rotation.Cancel(old, replacement, Bob, _clock.UtcNow));
        // The old key can be rotated again.
        KeyRotation.Start(old, new RotationOptions(), Bob, _clock.UtcNow);
    }

    [Fact]
    public void Cancel_AfterOverlapEnded_OldKeyStaysExpired()
    {
        var (old, rotation, replacement) = Start(new RotationOptions(OldKeyExpiresInHours: 1));
        _clock.Advance(TimeSpan.FromHours(2));

        rotation.Cancel(old, replacement, Bob, _clock.UtcNow);

        Assert.False(old.IsUsableAt(_clock.UtcNow));
    }

    [Fact]
    public void ReplacementSeen_OverlapFromFirstUse_SetsOldExpiryThenOnlyOnce()
    {
        var (old, rotation, _) = Start(new RotationOptions(OldKeyExpiresInHours: 6, OverlapStartsOnFirstUse: true));
        var before = old.ExpiresAt;
        Assert.Equal(before, rotation.OldKeyExpiresAtBefore); // nothing shortened at rotation time
        _clock.Advance(TimeSpan.FromHours(30));
        var firstUse = _clock.UtcNow.AddSeconds(-1);

        rotation.ReplacementSeen(old, firstUse, "203.0.113.9", "curl/8", _clock.UtcNow);
        rotation.ReplacementSeen(old, firstUse.AddHours(1), "198.51.100.1", "other", _clock.UtcNow.AddHours(1));

        Assert.Equal(firstUse.AddHours(6), old.ExpiresAt);
        Assert.Equal(firstUse, rotation.ReplacementFirstUsedAt);
        Assert.Equal("203.0.113.9", rotation.ReplacementFirstUsedIp);
        Assert.Equal("curl/8", rotation.ReplacementFirstUsedUserAgent);
        var update = Assert.Single(old.TakeAuditEvents());
        Assert.Equal(AuditEventType.ApiKeyUpdated, update.Type);
        Assert.Equal(KeyRotation.SystemActor, update.Actor);
    }

    [Fact]
    public void ReplacementSeen_OverlapLongerThanRemainingLife_NeverLengthens()
    {
        var (old, rotation, _) = Start(new RotationOptions(OldKeyExpiresInHours: 48, OverlapStartsOnFirstUse: true), oldExpiry: Now.AddHours(10));

        rotation.ReplacementSeen(old, _clock.UtcNow, null, null, _clock.UtcNow);

        Assert.Equal(Now.AddHours(10), old.ExpiresAt);
    }

    [Fact]
    public void OverlapStartsOnFirstUse_WithoutHours_ValidationError()
    {
        var old = CreateQuiet(Now);

        var ex = Assert.Throws<DomainValidationException>(() =>
            KeyRotation.Start(old, new RotationOptions(OverlapStartsOnFirstUse: true), Alice, Now));

        Assert.Equal(["overlapStartsOnFirstUse"], ex.Errors.Keys);
    }

    [Fact]
    public void AutoRevoke_DueOnlyWhenReplacementSeenAndOldIdleTheChosenHours()
    {
        var (old, rotation, _) = Start(new RotationOptions(AutoRevokeWhenIdleHours: 4));
        _clock.Advance(TimeSpan.FromHours(5));
        Assert.False(rotation.IsAutoRevokeDue(old, _clock.UtcNow)); // the new key has not been seen
        Assert.Throws<DomainException>(() => rotation.AutoRevoke(old, _clock.UtcNow));

        rotation.ReplacementSeen(old, _clock.UtcNow, "203.0.113.9", "agent", _clock.UtcNow);
        SetLastUsed(old, _clock.UtcNow.AddHours(-1)); // the old key was still used an hour ago
        Assert.False(rotation.IsAutoRevokeDue(old, _clock.UtcNow));

        _clock.Advance(TimeSpan.FromHours(3));
        Assert.True(rotation.IsAutoRevokeDue(old, _clock.UtcNow));
        rotation.AutoRevoke(old, _clock.UtcNow);

        Assert.Equal(_clock.UtcNow, old.RevokedAt);
        Assert.Equal(KeyRotation.SystemActor, old.RevokedBy);
        Assert.Equal(RotationStep.Completed, rotation.Step);
        Assert.Equal(KeyRotation.SystemActor, rotation.EndedBy);
        Assert.False(rotation.IsAutoRevokeDue(old, _clock.UtcNow));
    }

    [Fact]
    public void ChooseAutoRevoke_SetsAndClears_OutOfRangeRefused()
    {
        var (_, rotation, _) = Start();

        rotation.ChooseAutoRevoke(24, Bob, _clock.UtcNow);
        Assert.Equal(24, rotation.AutoRevokeAfterIdleHours);
        rotation.ChooseAutoRevoke(null, Bob, _clock.UtcNow);
        Assert.Null(rotation.AutoRevokeAfterIdleHours);

        Assert.Throws<DomainValidationException>(() => rotation.ChooseAutoRevoke(0, Bob, _clock.UtcNow));
        Assert.Equal(2, rotation.TakeAuditEvents().Count(e => e.Type == AuditEventType.RotationAutoRevokeChosen));
    }

    [Fact]
    public void KeyRetired_ReplacementRevokedElsewhere_CancelsAndFreesOldKey()
    {
        var (old, rotation, replacement) = Start();
        replacement.Revoke(Bob, _clock.UtcNow);

        rotation.KeyRetired(old, replacement, Bob, _clock.UtcNow);

        Assert.Equal(RotationStep.Cancelled, rotation.Step);
        Assert.Null(old.ReplacedByKeyId);
    }

    [Fact]
    public void KeyRetired_OldKeyRevokedOrExpired_Completes()
    {
        var (old, rotation, replacement) = Start(new RotationOptions(OldKeyExpiresInHours: 1));

        rotation.KeyRetired(old, replacement, KeyRotation.SystemActor, _clock.UtcNow);
        Assert.True(rotation.IsActive); // still within the overlap

        _clock.Advance(TimeSpan.FromHours(2));
        rotation.KeyRetired(old, replacement, KeyRotation.SystemActor, _clock.UtcNow);
        Assert.Equal(RotationStep.Completed, rotation.Step);
    }
}
