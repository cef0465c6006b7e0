using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeyRotateTests
{
    private static readonly DateTime RotatedAt = Now.AddDays(30);

    private static ApiKey NewKey(DateTime? expiresAt = null, IEnumerable<string>? scopes = null) =>
        CreateQuiet(Now, Spec(scopes: scopes ?? ["clients:write", "jobs:write"], expiresAt: expiresAt, rateLimit: 200, ownerId: "user_bob"));

    [Fact]
    public void Rotate_DefaultOptions_ReplacementKeepsNameScopesLimitAndOwner()
    {
        var old = NewKey();

        var (replacement, _) = old.Rotate(new RotationOptions(), Bob, RotatedAt);

        Assert.Equal(old.Name, replacement.Name);
        Assert.Equal(old.Scopes, replacement.Scopes);
        Assert.Equal(200, replacement.RateLimitPerMinute);
        Assert.Equal("user_bob", replacement.OwnerId);
        Assert.Equal(old.CompanyId, replacement.CompanyId);
        Assert.Equal(old.BranchId, replacement.BranchId);
        Assert.Equal(RotatedAt, replacement.CreatedAt);
        Assert.Equal(Bob.Id, replacement.CreatedBy.Id);
    }

    [Fact]
    public void Rotate_DefaultOptions_LinksBothKeys()
    {
        var old = NewKey();

        var (replacement, _) = old.Rotate(new RotationOptions(), Alice, RotatedAt);

        Assert.Equal(old.Id, replacement.ReplacesKeyId);
        Assert.Equal(replacement.Id, old.ReplacedByKeyId);
        Assert.Null(old.ReplacesKeyId);
        Assert.Null(replacement.ReplacedByKeyId);
    }

    [Fact]
    public void Rotate_DefaultOptions_ReplacementHasItsOwnIdSecretAndDigest()
    {
        var (old, oldSecret) = Create(Now);

        var (replacement, secret) = old.Rotate(new RotationOptions(), Alice, RotatedAt);

        Assert.NotEqual(old.Id, replacement.Id);
        Assert.StartsWith("key_", replacement.Id, StringComparison.Ordinal);
        Assert.NotEqual(oldSecret, secret);
        Assert.True(ApiKeySecret.IsWellFormed(secret));
        Assert.Equal(ApiKeySecret.ComputeDigest(secret), replacement.SecretHash);
        Assert.Equal(ApiKeySecret.ComputeDigest(oldSecret), old.SecretHash);
    }

    [Fact]
    public void Rotate_KeyWithExpiry_ReplacementGetsSameLifetimeFromNow()
    {
        var old = NewKey(expiresAt: Now.AddDays(90));

        var (replacement, _) = old.Rotate(new RotationOptions(), Alice, RotatedAt);

        Assert.Equal(RotatedAt.AddDays(90), replacement.ExpiresAt);
    }

    [Fact]
    public void Rotate_KeyWithoutExpiry_ReplacementHasNoExpiry()
    {
        var old = NewKey(expiresAt: null);

        var (replacement, _) = old.Rotate(new RotationOptions(), Alice, RotatedAt);

        Assert.Null(replacement.ExpiresAt);
    }

    [Fact]
    public void Rotate_ExplicitExpiry_IsHonoured()
    {
        var old = NewKey(expiresAt: Now.AddDays(90));
        var explicitExpiry = RotatedAt.AddDays(7);

        var (replacement, _) = old.Rotate(new RotationOptions(ExpiresAt: new Set<DateTime?>(explicitExpiry)), Alice, RotatedAt);

        Assert.Equal(explicitExpiry, replacement.ExpiresAt);
    }

    [Fact]
    public void Rotate_ExplicitNoExpiry_ReplacementHasNoExpiry()
    {
        var old = NewKey(expiresAt: Now.AddDays(90));

        var (replacement, _) = old.Rotate(new RotationOptions(ExpiresAt: new Set<DateTime?>(null)), Alice, RotatedAt);

        Assert.Null(replacement.ExpiresAt);
    }

    [Fact]
    public void Rotate_ExplicitExpiryInThePast_ReportsExpiresAtError()
    {
        var old = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => old.Rotate(new RotationOptions(ExpiresAt: new Set<DateTime?>(RotatedAt)), Alice, RotatedAt));

        Assert.Equal(["expiresAt"], ex.Errors.Keys);
        Assert.Null(old.ReplacedByKeyId);
    }

    [Fact]
    public void Rotate_NarrowerScopes_ReplacementGetsThem()
    {
        var old = NewKey(scopes: ["clients:write", "jobs:write"]);

        var (replacement, _) = old.Rotate(new RotationOptions(Scopes: ["clients:read", "jobs:write"]), Alice, RotatedAt);

        Assert.Equal(["clients:read", "jobs:write"], replacement.Scopes);
        Assert.Equal(["clients:write", "jobs:write"], old.Scopes);
    }

    [Fact]
    public void Rotate_StarKeyNarrowedToOneScope_ReplacementGetsIt()
    {
        var old = NewKey(scopes: ["*"]);

        var (replacement, _) = old.Rotate(new RotationOptions(Scopes: ["items:read"]), Alice, RotatedAt);

        Assert.Equal(["items:read"], replacement.Scopes);
    }

    [Fact]
    public void Rotate_WiderScopes_ReportsScopesErrorNamingTheExtraScopes()
    {
        var old = NewKey(scopes: ["clients:write", "jobs:read"]);

        var ex = Assert.Throws<DomainValidationException>(
            () => old.Rotate(new RotationOptions(Scopes: ["clients:write", "jobs:write", "invoices:read"]), Alice, RotatedAt));

        Assert.Equal(["scopes"], ex.Errors.Keys);
        var message = Assert.Single(ex.Errors["scopes"]);
        Assert.Contains("jobs:write", message, StringComparison.Ordinal);
        Assert.Contains("invoices:read", message, StringComparison.Ordinal);
        Assert.DoesNotContain("clients:write", message, StringComparison.Ordinal);
        Assert.Null(old.ReplacedByKeyId);
        Assert.Empty(old.TakeAuditEvents());
    }

    [Fact]
    public void Rotate_StarRequestedByNarrowerKey_ReportsScopesError()
    {
        var old = NewKey(scopes: ["api-keys:manage", "clients:write"]);

        var ex = Assert.Throws<DomainValidationException>(
            () => old.Rotate(new RotationOptions(Scopes: ["*"]), Alice, RotatedAt));

        Assert.Equal(["scopes"], ex.Errors.Keys);
    }

    [Fact]
    public void Rotate_UnknownScope_ReportsScopesError()
    {
        var old = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => old.Rotate(new RotationOptions(Scopes: ["webhooks:manage"]), Alice, RotatedAt));

        Assert.Equal(["scopes"], ex.Errors.Keys);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    [InlineData(720)]
    public void Rotate_OldKeyExpiresInHours_SetsOldExpiryToNowPlusHours(int hours)
    {
        var old = NewKey(expiresAt: null);

        old.Rotate(new RotationOptions(OldKeyExpiresInHours: hours), Alice, RotatedAt);

        Assert.Equal(RotatedAt.AddHours(hours), old.ExpiresAt);
    }

    [Fact]
    public void Rotate_OldKeyExpiresInHoursBeforeExistingExpiry_ShortensIt()
    {
        var old = NewKey(expiresAt: Now.AddDays(90));

        old.Rotate(new RotationOptions(OldKeyExpiresInHours: 48), Alice, RotatedAt);

        Assert.Equal(RotatedAt.AddHours(48), old.ExpiresAt);
    }

    [Fact]
    public void Rotate_OldKeyExpiresInHoursAfterExistingExpiry_KeepsEarlierExpiry()
    {
        var earlier = RotatedAt.AddHours(6);
        var old = CreateQuiet(RotatedAt.AddHours(-1), Spec(expiresAt: earlier));

        old.Rotate(new RotationOptions(OldKeyExpiresInHours: 48), Alice, RotatedAt);

        Assert.Equal(earlier, old.ExpiresAt);
    }

    [Fact]
    public void Rotate_NoOverlapGiven_LeavesOldExpiryAlone()
    {
        var old = NewKey(expiresAt: Now.AddDays(90));

        old.Rotate(new RotationOptions(), Alice, RotatedAt);

        Assert.Equal(Now.AddDays(90), old.ExpiresAt);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(721)]
    [InlineData(int.MaxValue)]
    public void Rotate_OldKeyExpiresInHoursOutOfRange_ReportsError(int hours)
    {
        var old = NewKey();

        var ex = Assert.Throws<DomainValidationException>(
            () => old.Rotate(new RotationOptions(OldKeyExpiresInHours: hours), Alice, RotatedAt));

        Assert.Equal(["oldKeyExpiresInHours"], ex.Errors.Keys);
        Assert.Null(old.ReplacedByKeyId);
        Assert.Null(old.ExpiresAt);
    }

    [Fact]
    public void Rotate_AlreadyRotated_ThrowsDomainException()
    {
        var old = NewKey();
        old.Rotate(new RotationOptions(), Alice, RotatedAt);
        var firstReplacementId = old.ReplacedByKeyId;

        Assert.Throws<DomainException>(() => old.Rotate(new RotationOptions(), Alice, RotatedAt.AddHours(1)));
        Assert.Equal(firstReplacementId, old.ReplacedByKeyId);
    }

    [Fact]
    public void Rotate_Replacement_CanItselfBeRotated()
    {
        var old = NewKey();
        var (replacement, _) = old.Rotate(new RotationOptions(), Alice, RotatedAt);

        var (third, _) = replacement.Rotate(new RotationOptions(), Alice, RotatedAt.AddDays(1));

        Assert.Equal(replacement.Id, third.ReplacesKeyId);
        Assert.Equal(third.Id, replacement.ReplacedByKeyId);
    }

    [Fact]
    public void Rotate_RevokedKey_ThrowsDomainException()
    {
        var old = NewKey();
        old.Revoke(Alice, Now.AddDays(1));

        Assert.Throws<DomainException>(() => old.Rotate(new RotationOptions(), Alice, RotatedAt));
        Assert.Null(old.ReplacedByKeyId);
    }

    [Fact]
    public void Rotate_Succeeds_QueuesRotatedOnOldAndCreatedOnNew()
    {
        var old = NewKey();

        var (replacement, _) = old.Rotate(new RotationOptions(OldKeyExpiresInHours: 24), Bob, RotatedAt);

        var rotated = Assert.Single(old.TakeAuditEvents());
        Assert.Equal(AuditEventType.ApiKeyRotated, rotated.Type);
        Assert.Equal(old.Id, rotated.ApiKeyId);
        Assert.Equal(Bob, rotated.Actor);
        Assert.Equal(RotatedAt, rotated.OccurredAt);
        Assert.Contains(rotated.Changes, c => c.To == replacement.Id);

        var created = Assert.Single(replacement.TakeAuditEvents());
        Assert.Equal(AuditEventType.ApiKeyCreated, created.Type);
        Assert.Equal(replacement.Id, created.ApiKeyId);
        Assert.Equal(Bob, created.Actor);
        Assert.Equal(RotatedAt, created.OccurredAt);
    }

    [Fact]
    public void Rotate_WithOverlap_RotatedEventRecordsOldKeysNewExpiry()
    {
        var old = NewKey(expiresAt: null);

        old.Rotate(new RotationOptions(OldKeyExpiresInHours: 24), Alice, RotatedAt);

        var changes = Assert.Single(old.TakeAuditEvents()).Changes;
        var cutoffDate = RotatedAt.AddHours(24).ToString("yyyy-MM-dd");
        Assert.Single(changes, c => c.From is null && c.To?.Contains(cutoffDate, StringComparison.Ordinal) == true);
    }
}
