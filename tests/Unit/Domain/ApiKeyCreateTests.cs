using System.Security.Cryptography;
using System.Text;
using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeyCreateTests
{
    [Fact]
    public void Create_NameWithSurroundingWhitespace_StoresTrimmedName()
    {
        var (key, _) = Create(Now, Spec(name: "  booking-widget-prod \t"));

        Assert.Equal("booking-widget-prod", key.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   \t\n ")]
    public void Create_EmptyOrWhitespaceName_ReportsNameError(string name)
    {
        var ex = Assert.Throws<DomainValidationException>(() => Create(Now, Spec(name: name)));

        Assert.Equal(["name"], ex.Errors.Keys);
        Assert.NotEmpty(ex.Errors["name"]);
    }

    [Fact]
    public void Create_NameOf101Characters_ReportsNameError()
    {
        var ex = Assert.Throws<DomainValidationException>(() => Create(Now, Spec(name: new string('n', 101))));

        Assert.Equal(["name"], ex.Errors.Keys);
    }

    [Fact]
    public void Create_NameOf100Characters_Succeeds()
    {
        var name = new string('n', 100);

        var (key, _) = Create(Now, Spec(name: name));

        Assert.Equal(name, key.Name);
    }

    [Fact]
    public void Create_NameOf100CharactersWithPadding_SucceedsAfterTrimming()
    {
        var name = new string('n', 100);

        var (key, _) = Create(Now, Spec(name: "   " + name + "   "));

        Assert.Equal(name, key.Name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-86_400)]
    public void Create_ExpiryNowOrInThePast_ReportsExpiresAtError(int secondsFromNow)
    {
        var ex = Assert.Throws<DomainValidationException>(
            () => Create(Now, Spec(expiresAt: Now.AddSeconds(secondsFromNow))));

        Assert.Equal(["expiresAt"], ex.Errors.Keys);
    }

    [Fact]
    public void Create_ExpiryOneSecondAhead_Succeeds()
    {
        var (key, _) = Create(Now, Spec(expiresAt: Now.AddSeconds(1)));

        Assert.Equal(Now.AddSeconds(1), key.ExpiresAt);
    }

    [Fact]
    public void Create_NoExpiry_HasNoExpiry()
    {
        var (key, _) = Create(Now, Spec(expiresAt: null));

        Assert.Null(key.ExpiresAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1_000_001)]
    [InlineData(int.MaxValue)]
    public void Create_RateLimitOutOfRange_ReportsRateLimitError(int perMinute)
    {
        var ex = Assert.Throws<DomainValidationException>(() => Create(Now, Spec(rateLimit: perMinute)));

        Assert.Equal(["rateLimit.requestsPerMinute"], ex.Errors.Keys);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(600)]
    [InlineData(1_000_000)]
    public void Create_RateLimitInRange_StoresIt(int perMinute)
    {
        var (key, _) = Create(Now, Spec(rateLimit: perMinute));

        Assert.Equal(perMinute, key.RateLimitPerMinute);
    }

    [Fact]
    public void Create_UnknownScope_ReportsScopesError()
    {
        var ex = Assert.Throws<DomainValidationException>(() => Create(Now, Spec(scopes: ["clients:read", "reports:read"])));

        Assert.Equal(["scopes"], ex.Errors.Keys);
        Assert.Contains(ex.Errors["scopes"], m => m.Contains("reports:read", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_SeveralInvalidFields_ReportsAllErrorsTogether()
    {
        var spec = new NewApiKey("  ", ["webhooks:manage"], Now.AddMinutes(-5), 0);

        var ex = Assert.Throws<DomainValidationException>(() => Create(Now, spec));

        Assert.Equal(
            ["expiresAt", "name", "rateLimit.requestsPerMinute", "scopes"],
            ex.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(ex.Errors.Values, messages => Assert.NotEmpty(messages));
    }

    [Fact]
    public void Create_ValidSpec_StoresMetadata()
    {
        var expiry = Now.AddDays(90);

        var (key, _) = Create(Now, Spec(scopes: ["jobs:write", "clients:write", "jobs:write"], expiresAt: expiry, rateLimit: 120, ownerId: "user_bob"));

        Assert.Equal(CompanyId, key.CompanyId);
        Assert.Equal(BranchId, key.BranchId);
        Assert.Equal(["clients:write", "jobs:write"], key.Scopes);
        Assert.Equal(expiry, key.ExpiresAt);
        Assert.Equal(120, key.RateLimitPerMinute);
        Assert.Equal("user_bob", key.OwnerId);
        Assert.Equal(Now, key.CreatedAt);
        Assert.Equal(Alice.Id, key.CreatedBy.Id);
        Assert.Equal(Alice.Type, key.CreatedBy.Type);
        Assert.Null(key.LastUsedAt);
        Assert.Null(key.RevokedAt);
        Assert.Null(key.ReplacesKeyId);
        Assert.Null(key.ReplacedByKeyId);
    }

    [Fact]
    public void Create_ValidSpec_ReturnsWellFormedSecret()
    {
        var (_, secret) = Create(Now);

        Assert.True(ApiKeySecret.IsWellFormed(secret));
    }

    [Fact]
    public void Create_ValidSpec_StoresSha256DigestOfReturnedSecret()
    {
        var (key, secret) = Create(Now);

        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(secret)), key.SecretHash);
    }

    [Fact]
    public void Create_ValidSpec_NoStringPropertyHoldsTheSecret()
    {
        var (key, secret) = Create(Now);
        var randomPart = secret["fc_live_".Length..^6];

        var strings = typeof(ApiKey).GetProperties()
            .Where(p => p.PropertyType == typeof(string))
            .Select(p => (p.Name, Value: (string?)p.GetValue(key)))
            .ToList();

        Assert.NotEmpty(strings);
        Assert.All(strings, p =>
        {
            Assert.NotEqual(secret, p.Value);
            Assert.DoesNotContain(secret, p.Value ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain(randomPart, p.Value ?? "", StringComparison.Ordinal);
        });
        Assert.NotEqual(Encoding.ASCII.GetBytes(secret), key.SecretHash);
    }

    [Fact]
    public void Create_ValidSpec_HintShowsStartAndEndOfSecret()
    {
        var (key, secret) = Create(Now);

        Assert.Equal(secret[..12] + "…" + secret[^4..], key.Hint);
    }

    [Fact]
    public void Create_ValidSpec_IdStartsWithKeyPrefix()
    {
        var (key, _) = Create(Now);

        Assert.StartsWith("key_", key.Id, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TwoKeys_GetDifferentIdsSecretsAndDigests()
    {
        var (first, firstSecret) = Create(Now);
        var (second, secondSecret) = Create(Now);

        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(firstSecret, secondSecret);
        Assert.NotEqual(first.SecretHash, second.SecretHash);
    }

    [Fact]
    public void Create_ValidSpec_QueuesOneCreatedEventWithActorAndTime()
    {
        var (key, _) = Create(Now, actor: Bob);

        var audit = Assert.Single(key.TakeAuditEvents());

        Assert.Equal(AuditEventType.ApiKeyCreated, audit.Type);
        Assert.Equal(Bob, audit.Actor);
        Assert.Equal(Now, audit.OccurredAt);
        Assert.Equal(key.Id, audit.ApiKeyId);
        Assert.Equal(CompanyId, audit.CompanyId);
        Assert.Equal(BranchId, audit.BranchId);
        Assert.Equal(key.Name, audit.Subject);
    }

    [Fact]
    public void TakeAuditEvents_CalledTwice_SecondCallReturnsEmpty()
    {
        var (key, _) = Create(Now);

        Assert.Single(key.TakeAuditEvents());
        Assert.Empty(key.TakeAuditEvents());
    }

    [Fact]
    public void TakeAuditEvents_AfterTaking_NewChangesQueueAgain()
    {
        var (key, _) = Create(Now);
        key.TakeAuditEvents();

        key.Update(new ApiKeyUpdate(Name: "renamed"), Alice, Now.AddMinutes(1));

        var audit = Assert.Single(key.TakeAuditEvents());
        Assert.Equal(AuditEventType.ApiKeyUpdated, audit.Type);
    }
}
