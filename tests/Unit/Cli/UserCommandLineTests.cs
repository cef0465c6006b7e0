using System.Net;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Cli;
using FieldCamp.Web.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Cli;

/// <summary><c>user add</c>, and what a command line that names no known command does.</summary>
public class UserCommandLineTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        _ = app.Services;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await UserCommandLine.RunAsync(args, stdout, stderr,
            app.StoreSettings);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Token(string link) => link[(link.IndexOf(TeamManager.InvitePath, StringComparison.Ordinal) + TeamManager.InvitePath.Length)..];

    private async Task<Role?> RoleAsync(string email)
    {
        await using var db = await app.CreateDbContextAsync();
        var (acme, _) = await app.TenantAsync("acme");
        return await (from m in db.Memberships
                      join u in db.Users on m.UserId equals u.Id
                      where m.CompanyId == acme && u.Email == email
                      select (Role?)m.Role).FirstOrDefaultAsync();
    }

    [Fact]
    public async Task Add_NewPerson_PrintsOnlyALinkThatOpensTheInvitation()
    {
        var email = $"{AppFactory.UniqueName("cli")}@acme.test";
        var (exit, stdout, stderr) = await RunAsync("user", "add", "--company", "acme", "--email", email, "--role", "admin",
            "--base-url", "https://console.example.com/");

        Assert.True(exit == 0, stderr);
        var link = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');
        Assert.StartsWith("https://console.example.com/account/invite/", link);
        Assert.Contains($"Invited {email}", stderr);
        Assert.DoesNotContain(Token(link), stderr);

        var offer = await app.Services.GetRequiredService<TeamManager>().FindAsync(Token(link));
        Assert.Equal(Role.Admin, offer!.Role);
        using var client = app.CreateClient();
        var html = WebUtility.HtmlDecode(await client.GetStringAsync($"/account/invite/{Token(link)}"));
        Assert.Contains("Join Acme Field Services", html);
    }

    [Fact]
    public async Task Add_ExistingAccount_JoinsAndPrintsAdded()
    {
        var (exit, stdout, stderr) = await RunAsync("user", "add", "--company", "globex", "--email", "member@acme.test", "--role", "Member");

        Assert.True(exit == 0, stderr);
        Assert.Equal("added", stdout.Trim());
        Assert.Contains("joined Globex Plumbing as Member", stderr);
    }

    [Theory]
    [InlineData("Boss")]
    [InlineData("1")]
    [InlineData("Owner,Admin")]
    public async Task Add_UnknownRole_Exit2(string role)
    {
        var (exit, stdout, stderr) = await RunAsync("user", "add", "--company", "acme", "--email", "x@acme.test", "--role", role);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("Owner, Admin or Member", stderr);
        Assert.Null(await RoleAsync("x@acme.test"));
    }

    [Fact]
    public async Task Add_UnknownCompany_Exit2NamingTheKnownOnes()
    {
        var (exit, _, stderr) = await RunAsync("user", "add", "--company", "initech", "--email", "x@acme.test", "--role", "Admin");

        Assert.Equal(2, exit);
        Assert.Contains("acme, globex", stderr);
    }

    [Fact]
    public async Task Add_AlreadyAMember_Exit2()
    {
        var (exit, _, stderr) = await RunAsync("user", "add", "--company", "acme", "--email", "admin@acme.test", "--role", "Owner");

        Assert.Equal(2, exit);
        Assert.Contains("already a member", stderr);
        Assert.Equal(Role.Admin, await RoleAsync("admin@acme.test"));
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--urls", "http://localhost:5080" }, true)]
    [InlineData(new[] { "--environment", "Development" }, true)]
    [InlineData(new[] { "urls=http://localhost:5080" }, true)]
    [InlineData(new[] { "apikey", "list" }, false)]
    [InlineData(new[] { "user", "add" }, false)]
    [InlineData(new[] { "db", "backup", "copy.db" }, false)]
    [InlineData(new[] { "usr", "add" }, false)]
    public void StartsServer_OptionsOnly_TrueAndAnyWordFalse(string[] args, bool server) =>
        Assert.Equal(server, OperatorCommands.StartsServer(args));

    [Fact]
    public async Task UserAdd_AsASeparateProcess_LinkWorksInTheRunningServer()
    {
        _ = app.Services;
        var email = $"{AppFactory.UniqueName("process")}@acme.test";
        var environment = new Dictionary<string, string>(app.StoreEnvironment)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["PublicUrl"] = "https://fieldcamp.example",
        };

        var (exit, stdout, stderr) = await ApiKeyCommandLineProcessTests.RunDotnetAsync(app.Folder, environment,
            "user", "add", "--company", "acme", "--email", email, "--role", "Member");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        var link = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');
        Assert.StartsWith("https://fieldcamp.example/account/invite/", link);

        var (user, errors) = await app.Services.GetRequiredService<TeamManager>().AcceptAsync(Token(link), "Welcome!2026x");
        Assert.Empty(errors);
        Assert.Equal(email, user!.Email);
        Assert.Equal(Role.Member, await RoleAsync(email));
    }

    [Theory]
    [InlineData("user", "ad")]
    [InlineData("usr", "add", "--company", "acme")]
    [InlineData("frobnicate")]
    public async Task UnknownCommand_AsASeparateProcess_UsageAndExit2(params string[] args)
    {
        _ = app.Services;
        var environment = app.StoreEnvironment;

        var (exit, stdout, stderr) = await ApiKeyCommandLineProcessTests.RunDotnetAsync(app.Folder, environment, args);

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("user add", stderr);
        Assert.DoesNotContain("Now listening", stderr + stdout);
    }
}
