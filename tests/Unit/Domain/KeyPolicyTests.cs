using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Notices;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public sealed class KeyPolicyTests
{
    private const string Acme = "Acme Field Services";

    internal static KeyPolicy With(KeyPolicySettings settings)
    {
        var policy = KeyPolicy.Default(CompanyId);
        policy.Change(settings, Alice, Now);
        return policy;
    }

    [Fact]
    public void Default_OffersNinetyDaysAndEnforcesNothing()
    {
        var policy = KeyPolicy.Default(CompanyId);

        Assert.Equal(Now.AddDays(90), policy.DefaultExpiry(Now));
        Assert.False(policy.RequiresExpiry);
        Assert.Null(policy.LatestExpiry(Now));
        Assert.Empty(policy.Check(null, Now, Acme));
        Assert.Empty(policy.Check(Now.AddYears(5), Now, Acme));
        Assert.Null(policy.UnusedRevocationDue(CreateQuiet(Now)));
    }

    [Fact]
    public void Check_RequiredExpiryMissing_RefusedNamingCompanyAndPolicy()
    {
        var policy = With(new(RequireExpiry: true));

        var errors = policy.Check(null, Now, Acme);

        var message = Assert.Single(errors["expiresAt"]);
        Assert.StartsWith("Acme Field Services requires every key to expire", message);
        Assert.Contains("key policy", message);
        Assert.Empty(policy.Check(Now.AddYears(3), Now, Acme));
    }

    [Fact]
    public void Check_BeyondMaxLifetime_Refused_WholeLastDayAllowed()
    {
        var policy = With(new(DefaultExpiryDays: 30, MaxLifetimeDays: 365));
        var lastDay = Now.AddDays(365).Date;

        Assert.Empty(policy.Check(Now.AddDays(365), Now, Acme));
        Assert.Empty(policy.Check(lastDay.AddDays(1).AddSeconds(-1), Now, Acme));
        var message = Assert.Single(policy.Check(lastDay.AddDays(1), Now, Acme)["expiresAt"]);
        Assert.StartsWith("Acme Field Services requires every key to expire within 365 days", message);
        Assert.Contains($"by {lastDay:yyyy-MM-dd}", message);
    }

    [Fact]
    public void Check_MaxLifetime_ImpliesAnExpiry()
    {
        var policy = With(new(MaxLifetimeDays: 365));

        Assert.True(policy.RequiresExpiry);
        Assert.Contains("within 365 days", Assert.Single(policy.Check(null, Now, Acme)["expiresAt"]));
    }

    [Fact]
    public void Check_LifetimeCountsFromCreation()
    {
        var policy = With(new(DefaultExpiryDays: 30, MaxLifetimeDays: 30));
        var createdAt = Now.AddDays(-20);

        Assert.Empty(policy.Check(Now.AddDays(10), createdAt, Acme));
        Assert.NotEmpty(policy.Check(Now.AddDays(11), createdAt, Acme));
    }

    [Fact]
    public void Fit_GivesAnExpiryWhenRequired_AndCutsToTheMaximum()
    {
        var policy = With(new(DefaultExpiryDays: 60, MaxLifetimeDays: 90));

        Assert.Equal(Now.AddDays(60), policy.Fit(null, Now));
        Assert.Equal(policy.LatestExpiry(Now), policy.Fit(Now.AddDays(400), Now));
        Assert.Equal(Now.AddDays(10), policy.Fit(Now.AddDays(10), Now));
        Assert.Null(KeyPolicy.Default(CompanyId).Fit(null, Now));
    }

    [Theory]
    [InlineData(0, null, false, null, null, "defaultRequestsPerMinute")]
    [InlineData(null, 400, false, 365, null, "defaultExpiryDays")]
    [InlineData(null, null, true, null, null, "defaultExpiryDays")]
    [InlineData(null, 90, false, 0, null, "maxLifetimeDays")]
    [InlineData(null, 90, false, null, 7, "revokeUnusedAfterDays")]
    public void Validate_BadSettings_ErrorOnTheField(int? limit, int? defaultDays, bool require, int? maxDays, int? unusedDays, string field)
    {
        var settings = new KeyPolicySettings(limit, defaultDays, require, maxDays, unusedDays);

        Assert.True(KeyPolicy.Validate(settings).ContainsKey(field));
        var policy = KeyPolicy.Default(CompanyId);
        Assert.Throws<DomainValidationException>(() => policy.Change(settings, Alice, Now));
        Assert.Equal(new KeyPolicySettings(), policy.Settings);
    }

    [Fact]
    public void Change_RecordsCompanyWideEventWithBeforeAndAfter()
    {
        var policy = KeyPolicy.Default(CompanyId);

        var changed = policy.Change(new(DefaultExpiryDays: 30, RequireExpiry: true, MaxLifetimeDays: 365, RevokeUnusedAfterDays: 90), Alice, Now);

        Assert.NotNull(changed);
        Assert.Equal(AuditEventType.KeyPolicyChanged, changed.Type);
        Assert.Null(changed.BranchId);
        Assert.Equal(CompanyId, changed.CompanyId);
        Assert.Equal(Alice, changed.Actor);
        Assert.Contains(new AuditChange("defaultExpiry", "90 days", "30 days"), changed.Changes);
        Assert.Contains(new AuditChange("requireExpiry", "no", "yes"), changed.Changes);
        Assert.Contains(new AuditChange("maxLifetime", "none", "365 days"), changed.Changes);
        Assert.Contains(new AuditChange("revokeUnusedAfter", "off", "90 days"), changed.Changes);
        Assert.DoesNotContain(changed.Changes, c => c.Field == "defaultRateLimit");
        Assert.Null(policy.Change(policy.Settings, Alice, Now));
    }

    [Fact]
    public void UnusedKey_NoticeAWeekBefore_RevokedOnlyAfterAWeeksNotice()
    {
        var policy = With(new(RevokeUnusedAfterDays: 30));
        var key = CreateQuiet(Now);

        Assert.Null(NoticeRules.UnusedKeyRevocation(key, policy, Now.AddDays(22)));
        var notice = NoticeRules.UnusedKeyRevocation(key, policy, Now.AddDays(23));
        Assert.NotNull(notice);
        Assert.Equal(NoticeKind.UnusedKeyRevocation, notice.Kind);
        Assert.Contains($"revoked on {Now.AddDays(30):yyyy-MM-dd HH:mm}", notice.Message);

        Assert.False(policy.IsUnusedRevocationDue(key, announcedAtUtc: null, Now.AddDays(40)));
        Assert.False(policy.IsUnusedRevocationDue(key, Now.AddDays(23), Now.AddDays(29)));
        Assert.True(policy.IsUnusedRevocationDue(key, Now.AddDays(23), Now.AddDays(30)));
        // Switched on late: a week's notice still comes first.
        Assert.False(policy.IsUnusedRevocationDue(key, Now.AddDays(60), Now.AddDays(66)));
        Assert.True(policy.IsUnusedRevocationDue(key, Now.AddDays(60), Now.AddDays(67)));
    }

    [Fact]
    public void UnusedKey_UsedInBetween_NewIdleSpell()
    {
        var policy = With(new(RevokeUnusedAfterDays: 30));
        var key = CreateQuiet(Now);
        var before = NoticeRules.UnusedKeyOccasion(key);

        SetLastUsedAt(key, Now.AddDays(25));

        Assert.NotEqual(before, NoticeRules.UnusedKeyOccasion(key));
        Assert.Equal(Now.AddDays(55), policy.UnusedRevocationDue(key));
        Assert.Null(NoticeRules.UnusedKeyRevocation(key, policy, Now.AddDays(30)));
    }
}
