using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Domain;

public class LeastPrivilegeTests
{
    [Fact]
    public void Star_IsReplacedByWhatWasUsed()
    {
        var suggestion = LeastPrivilege.Suggest(["*"], ["jobs:read", "clients:read"]);

        Assert.Equal(["clients:read", "jobs:read"], suggestion.Suggested);
        Assert.True(suggestion.IsNarrower);
    }

    [Fact]
    public void WriteScope_OnlyReadUsed_SuggestsTheRead()
    {
        var suggestion = LeastPrivilege.Suggest(["jobs:write", "clients:write"], ["jobs:read", "clients:write"]);

        Assert.Equal(["clients:write", "jobs:read"], suggestion.Suggested);
        Assert.True(suggestion.IsNarrower);
    }

    [Fact]
    public void ReadAndWriteUsed_SuggestsTheWriteAlone_WhichImpliesTheRead()
    {
        var suggestion = LeastPrivilege.Suggest(["*"], ["visits:read", "visits:write"]);

        Assert.Equal(["visits:write"], suggestion.Suggested);
    }

    [Fact]
    public void EverythingGrantedWasUsed_IsNotNarrower()
    {
        var suggestion = LeastPrivilege.Suggest(["invoices:read", "clients:read"], ["clients:read", "invoices:read"]);

        Assert.Equal(["clients:read", "invoices:read"], suggestion.Suggested);
        Assert.False(suggestion.IsNarrower);
        Assert.False(suggestion.SuggestsRevocation);
    }

    [Fact]
    public void UnusedKey_SuggestsRevocation()
    {
        var suggestion = LeastPrivilege.Suggest(["jobs:read"], []);

        Assert.True(suggestion.SuggestsRevocation);
        Assert.Empty(suggestion.Suggested);
        Assert.False(suggestion.IsNarrower);
    }

    [Fact]
    public void ManagementAndIntegrationScopes_AreKeptOnlyWhenUsed()
    {
        var suggestion = LeastPrivilege.Suggest(["*"], ["api-keys:manage"]);

        Assert.Equal(["api-keys:manage"], suggestion.Suggested);
    }

    [Fact]
    public void UseBeyondTheGrant_IsNeverSuggested()
    {
        // Narrowed since: the old uses of jobs:write do not widen the key again.
        var suggestion = LeastPrivilege.Suggest(["jobs:read"], ["jobs:write", "jobs:read"]);

        Assert.Equal(["jobs:read"], suggestion.Suggested);
        Assert.Equal(["jobs:read"], suggestion.Used);
    }
}
