using FieldCamp.Domain.ApiKeys;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Web.Cli;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Tests.Unit.Cli;

/// <summary><c>apikey create</c> under the company's key policy: its default expiry, <c>--no-expiry</c>, and its refusals.</summary>
public sealed class KeyPolicyCommandLineTests : IDisposable
{
    private readonly AppFactory _app = new();

    public void Dispose() => _app.Dispose();

    private async Task<(int Exit, string Stdout, string Stderr)> CreateAsync(params string[] extra)
    {
        _ = _app.Services;
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await ApiKeyCommandLine.RunAsync(
            ["apikey", "create", "--company", "acme", "--name", AppFactory.UniqueName("cli"), "--scopes", "clients:read", .. extra], stdout, stderr,
            _app.StoreSettings);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private async Task<ApiKey> NewestKeyAsync()
    {
        await using var db = await _app.CreateDbContextAsync();
        return await db.ApiKeys.OrderByDescending(k => k.Id).FirstAsync();
    }

    [Fact]
    public async Task Create_NoExpiryOption_CompanyDefaultExpiry()
    {
        _ = _app.Services;
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30));

        var (exit, _, stderr) = await CreateAsync();

        Assert.Equal(0, exit);
        var key = await NewestKeyAsync();
        Assert.InRange(key.ExpiresAt!.Value, DateTime.UtcNow.AddDays(30).AddMinutes(-5), DateTime.UtcNow.AddDays(30).AddMinutes(1));
        Assert.DoesNotContain("Warning", stderr);
    }

    [Fact]
    public async Task Create_NoExpiry_NeverExpiresWithWarningOnStderr()
    {
        var (exit, stdout, stderr) = await CreateAsync("--no-expiry");

        Assert.Equal(0, exit);
        Assert.Null((await NewestKeyAsync()).ExpiresAt);
        Assert.Contains("Warning: this key never expires", stderr);
        Assert.DoesNotContain("Warning", stdout);
    }

    [Fact]
    public async Task Create_NoExpiryWhenPolicyRequiresOne_RefusedExit2NamingThePolicy()
    {
        _ = _app.Services;
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, RequireExpiry: true));
        var before = (await NewestKeyAsync()).Id;

        var (exit, stdout, stderr) = await CreateAsync("--no-expiry");

        Assert.Equal(ApiKeyCommandLine.BadArguments, exit);
        Assert.Equal("", stdout);
        Assert.Contains("expiresAt: Acme Field Services requires every key to expire", stderr);
        Assert.Equal(before, (await NewestKeyAsync()).Id);
    }

    [Fact]
    public async Task Create_ExpiryBeyondMaxLifetime_Refused()
    {
        _ = _app.Services;
        await _app.SetKeyPolicyAsync(new(DefaultExpiryDays: 30, MaxLifetimeDays: 60));

        var (exit, _, stderr) = await CreateAsync("--expires-in-days", "90");

        Assert.Equal(ApiKeyCommandLine.BadArguments, exit);
        Assert.Contains("requires every key to expire within 60 days", stderr);
    }

    [Fact]
    public async Task Create_BothExpiryOptions_Exit2()
    {
        var (exit, _, stderr) = await CreateAsync("--expires-in-days", "30", "--no-expiry");

        Assert.Equal(ApiKeyCommandLine.BadArguments, exit);
        Assert.Contains("not both", stderr);
    }
}
