using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Domain;

public class ScopesTests
{
    // DESIGN §5, in the order written there.
    private static readonly string[] DesignCatalogue =
    [
        "clients:read", "clients:write", "jobs:read", "jobs:write", "visits:read", "visits:write",
        "invoices:read", "invoices:write", "items:read", "items:write", "integrations:write", "api-keys:manage",
    ];

    private static readonly string[] Resources = ["clients", "jobs", "visits", "invoices", "items"];

    public static TheoryData<string> ResourceNames => new(Resources);

    public static TheoryData<string> CatalogueScopes => new(DesignCatalogue);

    private static void AssertSameSet(string[] expected, IEnumerable<string> actual) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));

    [Fact]
    public void Catalogue_Always_MatchesDesign()
    {
        Assert.Equal(DesignCatalogue, Scopes.Catalogue);
    }

    [Fact]
    public void Normalize_Duplicates_ReturnsEachOnce()
    {
        var result = Scopes.Normalize(["jobs:read", "jobs:read", "clients:read", "jobs:read"], out var errors);

        Assert.Empty(errors);
        Assert.Equal(["clients:read", "jobs:read"], result);
    }

    [Fact]
    public void Normalize_AnyOrder_ReturnsCatalogueOrder()
    {
        var result = Scopes.Normalize(
            ["api-keys:manage", "items:write", "clients:read", "integrations:write", "jobs:write", "clients:write"],
            out var errors);

        Assert.Empty(errors);
        Assert.Equal(["clients:read", "clients:write", "jobs:write", "items:write", "integrations:write", "api-keys:manage"], result);
    }

    [Fact]
    public void Normalize_WholeCatalogueReversed_ReturnsDesignOrder()
    {
        var result = Scopes.Normalize(DesignCatalogue.Reverse(), out var errors);

        Assert.Empty(errors);
        Assert.Equal(DesignCatalogue, result);
    }

    [Fact]
    public void Normalize_StarAmongOthers_PutsStarFirst()
    {
        var result = Scopes.Normalize(["jobs:read", "*", "clients:read"], out var errors);

        Assert.Empty(errors);
        Assert.Equal(["*", "clients:read", "jobs:read"], result);
    }

    [Fact]
    public void Normalize_SurroundingWhitespace_TrimsAndDedupes()
    {
        var result = Scopes.Normalize(["  jobs:read", "jobs:read  ", "\tclients:write\n"], out var errors);

        Assert.Empty(errors);
        Assert.Equal(["clients:write", "jobs:read"], result);
    }

    [Fact]
    public void Normalize_EmptyList_ReturnsError()
    {
        var result = Scopes.Normalize([], out var errors);

        Assert.Empty(result);
        Assert.Single(errors);
    }

    [Fact]
    public void Normalize_Null_ReturnsError()
    {
        var result = Scopes.Normalize(null, out var errors);

        Assert.Empty(result);
        Assert.Single(errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Normalize_BlankScope_ReturnsError(string blank)
    {
        var result = Scopes.Normalize([blank], out var errors);

        Assert.Empty(result);
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Normalize_UnknownScope_ReturnsErrorListingEveryValidScope()
    {
        var result = Scopes.Normalize(["clients:read", "reports:read"], out var errors);

        Assert.Empty(result);
        var error = Assert.Single(errors);
        Assert.Contains("reports:read", error, StringComparison.Ordinal);
        Assert.All(DesignCatalogue, scope => Assert.Contains(scope, error, StringComparison.Ordinal));
    }

    [Fact]
    public void Normalize_TwoUnknownScopes_ReportsBoth()
    {
        Scopes.Normalize(["reports:read", "clients:delete"], out var errors);

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("reports:read", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("clients:delete", StringComparison.Ordinal));
    }

    [Fact]
    public void Normalize_WebhooksManage_ReturnsErrorPointingToIntegrationsWrite()
    {
        var result = Scopes.Normalize(["webhooks:manage"], out var errors);

        Assert.Empty(result);
        var error = Assert.Single(errors);
        Assert.Contains("webhooks:manage", error, StringComparison.Ordinal);
        Assert.Contains("integrations:write", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Clients:Read")]
    [InlineData("CLIENTS:READ")]
    [InlineData("clients:Read")]
    [InlineData("API-KEYS:MANAGE")]
    public void Normalize_DifferentCase_IsUnknown(string scope)
    {
        var result = Scopes.Normalize([scope], out var errors);

        Assert.Empty(result);
        var error = Assert.Single(errors);
        Assert.Contains(scope, error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(CatalogueScopes))]
    public void Normalize_EachCatalogueScope_IsAccepted(string scope)
    {
        var result = Scopes.Normalize([scope], out var errors);

        Assert.Empty(errors);
        Assert.Equal([scope], result);
    }

    [Theory]
    [MemberData(nameof(ResourceNames))]
    public void Expand_Write_ImpliesReadOfSameResource(string resource)
    {
        var expanded = Scopes.Expand([$"{resource}:write"]);

        AssertSameSet([$"{resource}:write", $"{resource}:read"], expanded);
    }

    [Theory]
    [MemberData(nameof(ResourceNames))]
    public void Expand_Read_DoesNotImplyWrite(string resource)
    {
        var expanded = Scopes.Expand([$"{resource}:read"]);

        AssertSameSet([$"{resource}:read"], expanded);
    }

    [Fact]
    public void Expand_Star_ImpliesEveryCatalogueScope()
    {
        var expanded = Scopes.Expand(["*"]);

        Assert.All(DesignCatalogue, scope => Assert.Contains(scope, expanded));
        Assert.Contains("*", expanded);
    }

    [Theory]
    [InlineData("integrations:write")]
    [InlineData("api-keys:manage")]
    public void Expand_NonResourceScope_ImpliesNothingElse(string scope)
    {
        var expanded = Scopes.Expand([scope]);

        AssertSameSet([scope], expanded);
    }

    [Fact]
    public void Expand_Mixed_UnionOfImplications()
    {
        var expanded = Scopes.Expand(["clients:write", "invoices:read", "api-keys:manage"]);

        AssertSameSet(["clients:write", "clients:read", "invoices:read", "api-keys:manage"], expanded);
    }

    [Fact]
    public void Grants_WriteHeld_GrantsReadAndWrite()
    {
        Assert.True(Scopes.Grants(["jobs:write"], "jobs:read"));
        Assert.True(Scopes.Grants(["jobs:write"], "jobs:write"));
    }

    [Fact]
    public void Grants_ReadHeld_DoesNotGrantWrite()
    {
        Assert.False(Scopes.Grants(["jobs:read"], "jobs:write"));
    }

    [Fact]
    public void Grants_OtherResourceHeld_DoesNotGrant()
    {
        Assert.False(Scopes.Grants(["jobs:write"], "clients:read"));
    }

    [Theory]
    [MemberData(nameof(CatalogueScopes))]
    public void Grants_StarHeld_GrantsEveryScope(string scope)
    {
        Assert.True(Scopes.Grants(["*"], scope));
    }

    [Fact]
    public void Grants_IntegrationsWriteHeld_DoesNotGrantApiKeysManage()
    {
        Assert.False(Scopes.Grants(["integrations:write"], "api-keys:manage"));
        Assert.False(Scopes.Grants(["api-keys:manage"], "integrations:write"));
    }

    [Fact]
    public void Grants_NothingHeld_GrantsNothing()
    {
        Assert.False(Scopes.Grants([], "clients:read"));
    }

    [Fact]
    public void NotGrantableBy_ReadCallerAsksForWrite_ReturnsTheWrite()
    {
        var offending = Scopes.NotGrantableBy(["clients:read", "api-keys:manage"], ["clients:write"]);

        Assert.Equal(["clients:write"], offending);
    }

    [Fact]
    public void NotGrantableBy_WriteCallerAsksForRead_ReturnsNothing()
    {
        var offending = Scopes.NotGrantableBy(["clients:write", "api-keys:manage"], ["clients:read"]);

        Assert.Empty(offending);
    }

    [Fact]
    public void NotGrantableBy_CallerWithWholeCatalogueAsksForStar_ReturnsStar()
    {
        var offending = Scopes.NotGrantableBy(DesignCatalogue, ["*"]);

        Assert.Equal(["*"], offending);
    }

    [Fact]
    public void NotGrantableBy_StarCallerAsksForStar_ReturnsNothing()
    {
        Assert.Empty(Scopes.NotGrantableBy(["*"], ["*"]));
        Assert.Empty(Scopes.NotGrantableBy(["*"], [.. DesignCatalogue, "*"]));
    }

    [Fact]
    public void NotGrantableBy_ManagerWithoutOtherScopes_CannotGrantAnythingElse()
    {
        var offending = Scopes.NotGrantableBy(["api-keys:manage"], ["api-keys:manage", "jobs:read", "invoices:write"]);

        Assert.Equal(["jobs:read", "invoices:write"], offending);
    }

    [Fact]
    public void NotGrantableBy_MixOfHeldAndNotHeld_ReturnsExactlyTheOffendingScopes()
    {
        var offending = Scopes.NotGrantableBy(
            ["clients:write", "jobs:read", "api-keys:manage"],
            ["clients:read", "clients:write", "jobs:read", "jobs:write", "invoices:read", "*"]);

        Assert.Equal(["jobs:write", "invoices:read", "*"], offending);
    }

    [Fact]
    public void NotGrantableBy_ExactlyTheCallersScopes_ReturnsNothing()
    {
        string[] held = ["clients:write", "jobs:read", "integrations:write", "api-keys:manage"];

        Assert.Empty(Scopes.NotGrantableBy(held, held));
    }

    [Fact]
    public void Presets_Always_MatchDesign()
    {
        var expected = new (string Name, string[] Scopes)[]
        {
            ("Read-only analytics", ["jobs:read", "visits:read", "clients:read"]),
            ("Booking widget intake", ["clients:write", "jobs:write"]),
            ("Accounting sync", ["invoices:read", "clients:read"]),
            ("Full admin automation", ["*"]),
        };

        Assert.Equal(expected.Select(p => p.Name), Scopes.Presets.Select(p => p.Name));
        foreach (var (name, scopes) in expected)
        {
            var preset = Scopes.Presets.Single(p => p.Name == name);
            Assert.Equal(scopes.Order(StringComparer.Ordinal), preset.Scopes.Order(StringComparer.Ordinal));
            Assert.Equal(scopes.Length, preset.Scopes.Count);
        }
    }

    [Fact]
    public void Presets_Always_AreAlreadyNormalized()
    {
        Assert.All(Scopes.Presets, preset =>
        {
            var normalized = Scopes.Normalize(preset.Scopes, out var errors);
            Assert.Empty(errors);
            Assert.Equal(normalized, preset.Scopes);
        });
    }

    [Fact]
    public void Presets_Always_HaveADescription()
    {
        Assert.All(Scopes.Presets, preset => Assert.False(string.IsNullOrWhiteSpace(preset.Description)));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("api-keys:manage")]
    public void IsPowerful_StarOrKeyManagement_ReturnsTrue(string scope)
    {
        Assert.True(Scopes.IsPowerful(scope));
    }

    [Theory]
    [InlineData("clients:read")]
    [InlineData("clients:write")]
    [InlineData("invoices:write")]
    [InlineData("items:write")]
    [InlineData("integrations:write")]
    [InlineData("webhooks:manage")]
    [InlineData("API-KEYS:MANAGE")]
    public void IsPowerful_OrdinaryScope_ReturnsFalse(string scope)
    {
        Assert.False(Scopes.IsPowerful(scope));
    }
}
