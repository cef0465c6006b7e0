using System.Diagnostics;
using System.Net;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Tests.Unit.Api;

namespace FieldCamp.Tests.Unit.Cli;

/// <summary>The command line as an operator runs it: a separate OS process, configured by environment variables.</summary>
public class ApiKeyCommandLineProcessTests(AppFactory app) : IClassFixture<AppFactory>
{
    internal static async Task<(int Exit, string Stdout, string Stderr)> RunDotnetAsync(string workingDirectory,
        IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var webDll = Path.Combine(AppContext.BaseDirectory, "FieldCamp.Web.dll");
        Assert.True(File.Exists(webDll), $"{webDll} should be in the test output folder.");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(webDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A guard against a hung process, not a speed check: a loaded machine can take a minute to start one.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Create_AsASeparateProcess_KeyWorksOnTheFirstRequestToTheRunningServer()
    {
        _ = app.Services; // the server is running on this database
        var name = AppFactory.UniqueName("cli-process");
        var environment = new Dictionary<string, string>(app.StoreEnvironment)
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
        };

        var (exit, stdout, stderr) = await RunDotnetAsync(app.Folder, environment,
            "apikey", "create", "--company", "acme", "--branch", "South", "--name", name, "--scopes", "jobs:read,visits:read");

        Assert.True(exit == 0, $"exit {exit}; stderr: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var secret = Assert.Single(lines).TrimEnd('\r');
        Assert.True(ApiKeySecret.IsWellFormed(secret), secret);
        Assert.DoesNotContain(secret, stderr);
        Assert.Contains(name, stderr);

        using var client = app.CreateClient(secret);
        var info = await client.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(name, info.GetProperty("credential").GetProperty("name").GetString());
        Assert.Equal("South", info.GetProperty("branch").GetProperty("name").GetString());
        await client.GetAsync("/api/v1/jobs").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task BadArguments_AsASeparateProcess_Exit2AndNothingOnStdout()
    {
        _ = app.Services;
        var environment = app.StoreEnvironment;

        var (exit, stdout, stderr) = await RunDotnetAsync(app.Folder, environment,
            "apikey", "create", "--company", "acme", "--name", "x", "--scopes", "webhooks:manage");

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("integrations:write", stderr);
    }
}
