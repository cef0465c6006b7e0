using Microsoft.EntityFrameworkCore;
using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Tests.Unit.Api;
using FieldCamp.Web.Cli;

namespace FieldCamp.Tests.Unit.Cli;

/// <summary>
/// The factory for the command-line tests: a short cache age, so a revocation made by the command line (another
/// process, as far as the server can tell) shows within a bound the tests can afford to wait for.
/// </summary>
public sealed class CliAppFactory : IDisposable
{
    public static readonly TimeSpan CacheAge = TimeSpan.FromSeconds(2);

    public AppFactory App { get; } = new() { Settings = { ["ApiKeys:Cache:MaxEntryAge"] = "00:00:02" } };

    public void Dispose() => App.Dispose();
}

/// <summary><c>apikey create | list | revoke</c> against the running server's database file.</summary>
public class ApiKeyCommandLineTests(CliAppFactory fixture) : IClassFixture<CliAppFactory>
{
    private readonly AppFactory _app = fixture.App;

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        _ = _app.Services; // the server is up (and has migrated and seeded) before the command line runs
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await ApiKeyCommandLine.RunAsync(args, stdout, stderr,
            _app.StoreSettings);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string SingleLine(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.True(lines.Count == 1, $"stdout should hold exactly one line, got: [{stdout}]");
        Assert.EndsWith("\n", stdout);
        return lines[0];
    }

    [Fact]
    public async Task Create_ValidArguments_PrintsOnlyTheKeyWhichWorksOnTheFirstRequest()
    {
        var name = AppFactory.UniqueName("cli");

        var (exit, stdout, stderr) = await RunAsync("apikey", "create", "--company", "acme", "--name", name, "--scopes", "clients:read");

        Assert.Equal(0, exit);
        var secret = SingleLine(stdout);
        Assert.Equal(ApiKeySecret.Length, secret.Length);
        Assert.True(ApiKeySecret.IsWellFormed(secret), secret);
        Assert.Contains(name, stderr);
        Assert.Contains("key_", stderr);
        Assert.Contains("clients:read", stderr);
        Assert.DoesNotContain(secret, stderr);
        Assert.DoesNotContain(secret[8..51], stderr);

        using var client = _app.CreateClient(secret);
        var info = await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(name, info.GetProperty("credential").GetProperty("name").GetString());
        Assert.Equal("North", info.GetProperty("branch").GetProperty("name").GetString());
        Assert.Equal(["clients:read"], info.GetProperty("credential").GetProperty("scopes").Strings());
        // The company's default expiry (no policy set: the standard 90 days), as in the dashboard.
        var expiresAt = info.GetProperty("credential").GetProperty("expiresAt").GetDateTime().ToUniversalTime();
        Assert.InRange(expiresAt, DateTime.UtcNow.AddDays(90).AddMinutes(-5), DateTime.UtcNow.AddDays(90).AddMinutes(1));
        await client.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Create_BranchInAnyCase_KeyActsInThatBranch()
    {
        var (exit, stdout, _) = await RunAsync("apikey", "create", "--company", "acme", "--branch", "south",
            "--name", AppFactory.UniqueName("cli"), "--scopes", "jobs:read, clients:read");

        Assert.Equal(0, exit);
        using var client = _app.CreateClient(SingleLine(stdout), KeyHeader.XApiKey);
        var info = await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("South", info.GetProperty("branch").GetProperty("name").GetString());
        Assert.Equal(["clients:read", "jobs:read"], info.GetProperty("credential").GetProperty("scopes").Strings());
    }

    [Fact]
    public async Task Create_ExpiresInDays_SetsTheExpiry()
    {
        var before = DateTime.UtcNow;

        var (exit, stdout, _) = await RunAsync("apikey", "create", "--company", "globex", "--name", AppFactory.UniqueName("cli"),
            "--scopes", "items:read", "--expires-in-days", "30");

        Assert.Equal(0, exit);
        using var client = _app.CreateClient(SingleLine(stdout));
        var info = await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        var expiresAt = info.GetProperty("credential").GetProperty("expiresAt").GetDateTime().ToUniversalTime();
        Assert.InRange(expiresAt, before.AddDays(30).AddSeconds(-1), DateTime.UtcNow.AddDays(30).AddSeconds(1));
        Assert.Equal("globex", info.GetProperty("company").GetProperty("slug").GetString());
    }

    [Fact]
    public async Task List_ShowsACreatedKey()
    {
        var name = AppFactory.UniqueName("cli-listed");
        var (_, stdout, _) = await RunAsync("apikey", "create", "--company", "acme", "--name", name, "--scopes", "clients:read");
        var secret = SingleLine(stdout);

        var (exit, listed, stderr) = await RunAsync("apikey", "list", "--company", "acme");

        Assert.Equal(0, exit);
        var line = Assert.Single(listed.Split('\n'), l => l.Contains(name));
        Assert.Contains("key_", line);
        Assert.Contains("clients:read", line);
        Assert.Contains(ApiKeySecret.Hint(secret), line);
        Assert.DoesNotContain(secret, listed);
        Assert.DoesNotContain(secret, stderr);
        Assert.Contains("key(s)", stderr);
    }

    [Fact]
    public async Task List_NameStoredWithTerminalControls_PrintsThemAsCodes()
    {
        // Names with hidden characters are refused today; one stored before that must not drive the operator's terminal.
        var key = await _app.CreateKeyAsync(name: AppFactory.UniqueName("cli-old"));
        var hostile = "ok\u001b[2J\u202Eevil";
        await using (var db = await _app.CreateDbContextAsync())
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(set => set.SetProperty(k => k.Name, hostile));

        var (exit, listed, _) = await RunAsync("apikey", "list", "--company", "acme");

        Assert.Equal(0, exit);
        var line = Assert.Single(listed.Split('\n'), l => l.Contains(key.Id));
        Assert.Contains("ok\\u001B[2J\\u202Eevil", line);
        Assert.DoesNotContain('\u001b', listed);
        Assert.DoesNotContain('\u202E', listed);
    }

    [Fact]
    public async Task Revoke_KeyInUse_ServerAnswers401WithinTheCacheAge()
    {
        var name = AppFactory.UniqueName("cli-revoked");
        var (_, stdout, _) = await RunAsync("apikey", "create", "--company", "acme", "--name", name, "--scopes", "clients:read");
        using var client = _app.CreateClient(SingleLine(stdout));
        var keyId = (await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("credential").GetProperty("id").GetString()!;

        var (exit, revokeOut, stderr) = await RunAsync("apikey", "revoke", keyId);
        var clock = Stopwatch.StartNew();

        Assert.Equal(0, exit);
        Assert.Equal("", revokeOut);
        Assert.Contains(keyId, stderr);
        HttpResponseMessage? last = null;
        await Http.EventuallyAsync(async () =>
        {
            last = await client.GetAsync("/api/v1/company-info");
            return last.StatusCode == HttpStatusCode.Unauthorized;
        }, CliAppFactory.CacheAge + TimeSpan.FromSeconds(1), "the CLI revocation reaching the server");
        Assert.True(clock.Elapsed <= CliAppFactory.CacheAge + TimeSpan.FromMilliseconds(500), $"Took {clock.Elapsed}.");
        await last!.ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        var (_, listed, _) = await RunAsync("apikey", "list", "--company", "acme", "--branch", "North");
        Assert.Contains("revoked", Assert.Single(listed.Split('\n'), l => l.Contains(name)));
    }

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["apikey", "create", "--company", "acme", "--scopes", "clients:read"], "--name" },
        { ["apikey", "create", "--company", "acme", "--name", "x"], "--scopes" },
        { ["apikey", "create", "--name", "x", "--scopes", "clients:read"], "--company" },
        { ["apikey", "create", "--company", "initech", "--name", "x", "--scopes", "clients:read"], "initech" },
        { ["apikey", "create", "--company", "acme", "--branch", "Main", "--name", "x", "--scopes", "clients:read"], "Main" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", "clients:delete"], "clients:delete" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", "webhooks:manage"], "integrations:write" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", "clients:read", "--expires-in-days", "0"], "--expires-in-days" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", "clients:read", "--expires-in-days", "soon"], "soon" },
        { ["apikey", "create", "--company", "acme", "--name", "   ", "--scopes", "clients:read"], "name" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", "clients:read", "--owner", "nobody@nowhere.test"], "nobody@nowhere.test" },
        { ["apikey", "revoke", "key_doesnotexist000000"], "key_doesnotexist000000" },
        { ["apikey", "revoke"], "KEY_ID" },
        { ["apikey", "list"], "--company" },
        { ["apikey", "list", "--company", "initech"], "initech" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", ","], "scope" },
        { ["apikey", "create", "--company", "acme", "--name", "x", "--scopes", "clients:read", "--owner", "owner@globex.test"], "owner" },
        { ["apikey", "frobnicate"], "frobnicate" },
        { ["apikey"], "command" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task BadArguments_Exit2WithAMessageAndNothingOnStdout(string[] args, string mentioned)
    {
        var (exit, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains(mentioned, stderr);
    }

    [Fact]
    public async Task List_UnknownBranch_Exit2NamingTheBranches()
    {
        // As `create --branch` does: a mistyped branch must not read as "this branch has no keys".
        var (exit, stdout, stderr) = await RunAsync("apikey", "list", "--company", "acme", "--branch", "Nowhere");

        Assert.True(exit == 2, $"exit {exit}; stdout: [{stdout}]; stderr: [{stderr}]");
        Assert.Equal("", stdout);
        Assert.Contains("Nowhere", stderr);
        Assert.Contains("North", stderr);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3654")]
    [InlineData("2147483647")]
    public async Task Create_ExpiresInDaysOutOfRange_Exit2WithTheRange(string days)
    {
        var (exit, stdout, stderr) = await RunAsync("apikey", "create", "--company", "acme", "--name", AppFactory.UniqueName("cli"),
            "--scopes", "clients:read", "--expires-in-days", days);

        Assert.True(exit == 2, $"exit {exit}; stdout: [{stdout}]; stderr: [{stderr}]");
        Assert.Equal("", stdout);
        Assert.Contains("between 1 and 3653", stderr);
    }

    [Fact]
    public async Task RevokeTwice_Exit2()
    {
        var (_, stdout, _) = await RunAsync("apikey", "create", "--company", "acme", "--name", AppFactory.UniqueName("cli"), "--scopes", "clients:read");
        using var client = _app.CreateClient(SingleLine(stdout));
        var keyId = (await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK))
            .GetProperty("credential").GetProperty("id").GetString()!;
        Assert.Equal(0, (await RunAsync("apikey", "revoke", keyId)).Exit);

        var (exit, again, stderr) = await RunAsync("apikey", "revoke", keyId);

        Assert.Equal(2, exit);
        Assert.Equal("", again);
        Assert.NotEqual("", stderr.Trim());
    }
}
