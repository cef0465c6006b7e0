using System.CommandLine;
using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.KeyPolicies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Cli;

/// <summary>
/// <c>apikey create | list | revoke</c> for operators and scripts, against the same database as the server.
/// <c>create</c> writes only the secret to stdout, so <c>KEY=$(… apikey create …)</c> just works; everything
/// else goes to stderr. Exit codes: 0 done, 2 bad arguments (with a message saying which).
/// </summary>
internal static class ApiKeyCommandLine
{
    public const int Ok = 0;
    public const int BadArguments = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var company = new Option<string>("--company") { Description = "Company slug, e.g. acme.", Required = true };
        var branch = new Option<string?>("--branch") { Description = "Branch name (any case); default: the company's first branch." };
        var name = new Option<string>("--name") { Description = "Name the key after its integration, e.g. booking-widget-prod.", Required = true };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated scopes, e.g. \"jobs:read,clients:read\".", Required = true };
        var expiresInDays = new Option<int?>("--expires-in-days") { Description = "Days until the key expires; default: the company's default expiry." };
        var noExpiry = new Option<bool>("--no-expiry") { Description = "A key that never expires (not recommended; refused if the company's key policy requires an expiry)." };
        var owner = new Option<string?>("--owner") { Description = "Email of the team member responsible for the key." };
        var keyId = new Argument<string>("KEY_ID") { Description = "The id of the key, key_…" };

        var create = new Command("create", "Create a key and print its secret (stdout, once).")
            { company, branch, name, scopes, expiresInDays, noExpiry, owner };
        var list = new Command("list", "List a company's keys.") { company, branch };
        var revoke = new Command("revoke", "Revoke a key; it fails from the next request on.") { keyId };
        var root = new RootCommand("FieldCamp Console operator commands.") { new Command("apikey", "Manage API keys.") { create, list, revoke } };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command is { Subcommands.Count: > 0 } and not RootCommand && !HasHelp(args))
        {
            foreach (var error in parsed.Errors) await stderr.WriteLineAsync(error.Message);
            if (parsed.Errors.Count == 0) await stderr.WriteLineAsync("Choose a command: apikey create | list | revoke (add --help for details).");
            return BadArguments;
        }
        if (parsed.CommandResult.Command == root || HasHelp(args))
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr });

        using var host = await StartAsync(settings);
        var services = host.Services;
        try
        {
            var command = parsed.CommandResult.Command;
            if (command == create)
            {
                return await CreateAsync(services, stdout, stderr, parsed.GetValue(company)!, parsed.GetValue(branch), parsed.GetValue(name)!,
                    parsed.GetValue(scopes)!, parsed.GetValue(expiresInDays), parsed.GetValue(noExpiry), parsed.GetValue(owner));
            }
            if (command == list) return await ListAsync(services, stdout, stderr, parsed.GetValue(company)!, parsed.GetValue(branch));
            return await RevokeAsync(services, stderr, parsed.GetValue(keyId)!);
        }
        catch (DomainValidationException invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
                foreach (var message in messages) await stderr.WriteLineAsync($"{field}: {message}");
            return BadArguments;
        }
        catch (DomainException rule)
        {
            await stderr.WriteLineAsync(rule.Message);
            return BadArguments;
        }
    }

    private static bool HasHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    internal static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?>? settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        // stdout carries only the secret: logs go to stderr, and only when something is wrong.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddFieldCampCore(builder.Configuration, builder.Environment.ContentRootPath);
        var host = builder.Build();
        await DatabaseSetup.MigrateAsync(host.Services);
        // With Redis configured, changes made here are announced to the running instances: connect before making any.
        var redis = host.Services.GetRequiredService<Scaling.RedisConnection>();
        if (redis.IsConfigured) await redis.ConnectedAsync();
        return host;
    }

    private static async Task<int> CreateAsync(IServiceProvider services, TextWriter stdout, TextWriter stderr,
        string companySlug, string? branchName, string name, string scopeList, int? expiresInDays, bool noExpiry, string? ownerEmail)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        if (await FindTenantAsync(db, stderr, companySlug, branchName) is not var (company, branches, named)) return BadArguments;
        if ((named ?? branches.FirstOrDefault()) is not { } branch)
        {
            await stderr.WriteLineAsync($"Company {company.Slug} has no branches yet.");
            return BadArguments;
        }
        if (expiresInDays is < 1 || expiresInDays > ApiKey.MaxLifetime.TotalDays)
        {
            await stderr.WriteLineAsync($"--expires-in-days must be between 1 and {ApiKey.MaxLifetime.TotalDays} (or give --no-expiry for a key that never expires).");
            return BadArguments;
        }
        if (expiresInDays is not null && noExpiry)
        {
            await stderr.WriteLineAsync("Give either --expires-in-days or --no-expiry, not both.");
            return BadArguments;
        }
        string? ownerId = null;
        if (ownerEmail is not null)
        {
            ownerId = await db.Users.Where(u => u.NormalizedEmail == ownerEmail.ToUpperInvariant()).Select(u => u.Id).FirstOrDefaultAsync();
            if (ownerId is null)
            {
                await stderr.WriteLineAsync($"No person with the email {ownerEmail}.");
                return BadArguments;
            }
        }

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        // Like the dashboard: the company's default expiry unless told otherwise. The key policy itself is enforced by the manager.
        var policy = await services.GetRequiredService<CompanyKeyPolicies>().GetAsync(company.Id);
        var expiresAt = expiresInDays is { } days ? now.AddDays(days) : noExpiry ? null : policy.Policy.DefaultExpiry(now);
        var spec = new NewApiKey(name, scopeList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            expiresAt, OwnerId: ownerId);
        var (key, secret) = await services.GetRequiredService<ApiKeyManager>().CreateAsync(new KeyScope(company.Id, branch.Id), spec, OperatorActor());
        if (key.ExpiresAt is null)
            await stderr.WriteLineAsync("Warning: this key never expires. A forgotten key then works forever; prefer --expires-in-days and rotate before it.");

        await stderr.WriteLineAsync($"Created {key.Id} \"{key.Name}\" in {company.Name} / {branch.Name}; scopes {string.Join(' ', key.Scopes)}; " +
            $"expires {(key.ExpiresAt is { } e ? e.ToString("yyyy-MM-dd HH:mm 'UTC'") : "never")}. Store the secret now: it is not shown again.");
        await stdout.WriteLineAsync(secret);
        return Ok;
    }

    private static async Task<int> ListAsync(IServiceProvider services, TextWriter stdout, TextWriter stderr, string companySlug, string? branchName)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        if (await FindTenantAsync(db, stderr, companySlug, branchName) is not var (company, branches, branch)) return BadArguments;
        var names = branches.ToDictionary(b => b.Id, b => b.Name);
        var keys = await db.ApiKeys.AsNoTracking()
            .Where(k => k.CompanyId == company.Id && (branch == null || k.BranchId == branch.Id))
            .OrderByDescending(k => k.Id).ToListAsync();

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await stdout.WriteLineAsync($"{"ID",-26} {"NAME",-28} {"BRANCH",-10} {"STATUS",-13} {"HINT",-18} {"EXPIRES",-10} {"LAST USED",-16} SCOPES");
        foreach (var k in keys)
        {
            await stdout.WriteLineAsync($"{k.Id,-26} {Clip(Printable(k.Name), 28),-28} {Clip(names[k.BranchId], 10),-10} {k.StatusAt(now).ToApiString(),-13} " +
                $"{k.Hint,-18} {k.ExpiresAt?.ToString("yyyy-MM-dd") ?? "never",-10} {k.LastUsedAt?.ToString("yyyy-MM-dd HH:mm") ?? "never",-16} {string.Join(' ', k.Scopes)}");
        }
        await stderr.WriteLineAsync($"{keys.Count} key(s).");
        return Ok;
    }

    private static async Task<int> RevokeAsync(IServiceProvider services, TextWriter stderr, string keyId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var key = await db.ApiKeys.AsNoTracking().Where(k => k.Id == keyId).Select(k => new { k.CompanyId, k.BranchId, k.Name }).FirstOrDefaultAsync();
        if (key is null)
        {
            await stderr.WriteLineAsync($"No key with the id {keyId}.");
            return BadArguments;
        }
        await services.GetRequiredService<ApiKeyManager>().RevokeAsync(new KeyScope(key.CompanyId, key.BranchId), keyId, OperatorActor());
        await stderr.WriteLineAsync($"Revoked {keyId} \"{Printable(key.Name)}\".");
        var signals = services.GetRequiredService<Scaling.ClusterSignals>();
        if (signals.IsConfigured && !await signals.FlushAsync(TimeSpan.FromSeconds(5)))
        {
            var cache = services.GetRequiredService<IOptions<ApiKeyCacheOptions>>().Value;
            await stderr.WriteLineAsync("Redis could not be told, so running instances refuse the key only once their cached copy "
                + $"is re-read: within {cache.MaxEntryAgeWhileSubscribed.TotalSeconds:0.#} s (ApiKeys:Cache:MaxEntryAgeWhileSubscribed).");
        }
        return Ok;
    }

    /// <summary>
    /// The company named by its slug, its branches, and the branch named (any case; null when none was named).
    /// Null, after saying why on stderr, when the company or the named branch does not exist.
    /// </summary>
    private static async Task<(Company Company, IReadOnlyList<Branch> Branches, Branch? Branch)?> FindTenantAsync(
        AppDbContext db, TextWriter stderr, string companySlug, string? branchName)
    {
        var company = await db.Companies.FirstOrDefaultAsync(c => c.Slug == companySlug.ToLowerInvariant());
        if (company is null)
        {
            await UnknownCompanyAsync(db, stderr, companySlug);
            return null;
        }
        var branches = await db.Branches.Where(b => b.CompanyId == company.Id).OrderBy(b => b.Id).ToListAsync();
        var branch = branches.FirstOrDefault(b => string.Equals(b.Name, branchName, StringComparison.OrdinalIgnoreCase));
        if (branchName is not null && branch is null)
        {
            await stderr.WriteLineAsync($"Company {company.Slug} has no branch \"{branchName}\". Branches: {string.Join(", ", branches.Select(b => b.Name))}.");
            return null;
        }
        return (company, branches, branch);
    }

    private static async Task<int> UnknownCompanyAsync(AppDbContext db, TextWriter stderr, string slug)
    {
        var known = await db.Companies.OrderBy(c => c.Slug).Select(c => c.Slug).ToListAsync();
        await stderr.WriteLineAsync($"No company with the slug \"{slug}\". Known: {(known.Count == 0 ? "none yet" : string.Join(", ", known))}.");
        return BadArguments;
    }

    internal static Actor OperatorActor() => Actor.Operator($"command line ({Environment.UserName}@{Environment.MachineName})");

    /// <summary>
    /// A name as the terminal should see it: names stored before hidden characters were refused could otherwise move
    /// the cursor, clear the screen or reorder the line. Each such character prints as its <c>\uXXXX</c> code.
    /// </summary>
    internal static string Printable(string name) =>
        string.Concat(name.EnumerateRunes().Select(r => PlainText.IsHiddenCharacter(r) ? $"\\u{r.Value:X4}" : r.ToString()));

    private static string Clip(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
