using FieldCamp.Domain.Audit;
using FieldCamp.Web.Audit;

namespace FieldCamp.Tests.Unit.Audit;

/// <summary>Every event type reads as words in the audit log, and has one stable API name.</summary>
public class AuditEventCatalogTests
{
    public static TheoryData<AuditEventType> EveryType => [.. Enum.GetValues<AuditEventType>()];

    [Theory]
    [MemberData(nameof(EveryType))]
    public void EveryType_HasALabelOfItsOwnAndAnApiNameThatParsesBack(AuditEventType type)
    {
        var kind = AuditEventCatalog.Of(type);

        Assert.Contains(kind, AuditEventCatalog.All);
        Assert.NotEqual(type.ToString(), kind.Label);
        Assert.True(AuditEventCatalog.TryParseApiName(kind.ApiName, out var parsed));
        Assert.Equal(type, parsed);
    }

    [Fact]
    public void Labels_AreDistinct() =>
        Assert.Equal(AuditEventCatalog.All.Count, AuditEventCatalog.All.Select(k => k.Label).Distinct().Count());

    [Theory]
    [InlineData("api_key_revoked", AuditEventType.ApiKeyRevoked)]
    [InlineData("ApiKeyRotated", AuditEventType.ApiKeyRotated)]
    [InlineData("sign_in_failed", AuditEventType.SignInFailed)]
    public void TryParseApiName_AcceptsTheApiAndEnumNames(string name, AuditEventType expected)
    {
        Assert.True(AuditEventCatalog.TryParseApiName(name, out var type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("1100")]
    [InlineData("api-key-revoked")]
    [InlineData("")]
    public void TryParseApiName_RefusesNumbersAndUnknownNames(string name) =>
        Assert.False(AuditEventCatalog.TryParseApiName(name, out _));
}
