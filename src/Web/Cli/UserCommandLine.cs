using System.CommandLine;
using FieldCamp.Domain;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Data;
using FieldCamp.Web.Teams;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Cli;

/// <summary>
/// <c>user add</c> for operators: adds a person to a company with a role, as an owner can on the Team page. An
/// existing account joins at once (stdout: <c>added</c>); anyone else gets an invitation, and stdout carries only its
/// link, shown this once, so <c>LINK=$(… user add …)</c> works. Everything else goes to stderr. Exit codes as
/// <see cref="ApiKeyCommandLine"/>: 0 done, 2 bad arguments.
/// </summary>
internal static class UserCommandLine
{
    public const string DefaultBaseUrl = "http://localhost:5080";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var company = new Option<string>("--company") { Description = "Company slug, e.g. acme.", Required = true };
        var email = new Option<string>("--email") { Description = "The person's e-mail address.", Required = true };
        var role = new Option<string>("--role") { Description = "Owner, Admin or Member.", Required = true };
        var baseUrl = new Option<string?>("--base-url")
        {
            Description = $"The address people open the dashboard at, for the link; default: the PublicUrl setting, else {DefaultBaseUrl}.",
        };
        var add = new Command("add", "Add a person to a company: an existing account joins, anyone else gets an invitation link (stdout, once).")
            { company, email, role, baseUrl };
        var root = new RootCommand("FieldCamp Console operator commands.") { new Command("user", "Manage a company's people.") { add } };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command is { Subcommands.Count: > 0 } and not RootCommand && !HasHelp(args))
        {
            foreach (var error in parsed.Errors) await stderr.WriteLineAsync(error.Message);
            await stderr.WriteLineAsync("Usage: user add --company SLUG --email EMAIL --role Owner|Admin|Member [--base-url URL] (add --help for details).");
            return ApiKeyCommandLine.BadArguments;
        }
        if (parsed.CommandResult.Command == root || HasHelp(args))
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = stderr, Error = stderr });

        if (!Enum.TryParse<Role>(parsed.GetValue(role), ignoreCase: true, out var chosenRole) || !Enum.IsDefined(chosenRole)
            || int.TryParse(parsed.GetValue(role), out _) || parsed.GetValue(role)!.Contains(','))
        {
            await stderr.WriteLineAsync($"--role must be Owner, Admin or Member, not \"{parsed.GetValue(role)}\".");
            return ApiKeyCommandLine.BadArguments;
        }

        using var host = await ApiKeyCommandLine.StartAsync(settings);
        var services = host.Services;
        try
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var slug = parsed.GetValue(company)!.ToLowerInvariant();
            var target = await db.Companies.AsNoTracking().FirstOrDefaultAsync(c => c.Slug == slug);
            if (target is null)
            {
                var known = await db.Companies.OrderBy(c => c.Slug).Select(c => c.Slug).ToListAsync();
                await stderr.WriteLineAsync($"No company with the slug \"{slug}\". Known: {(known.Count == 0 ? "none yet" : string.Join(", ", known))}.");
                return ApiKeyCommandLine.BadArguments;
            }

            var result = await services.GetRequiredService<TeamManager>().InviteAsync(target.Id, parsed.GetValue(email)!, chosenRole,
                ApiKeyCommandLine.OperatorActor());
            if (result.Joined)
            {
                await stderr.WriteLineAsync($"{result.Email} already had an account and joined {target.Name} as {result.Role}.");
                await stdout.WriteLineAsync("added");
                return ApiKeyCommandLine.Ok;
            }
            var site = parsed.GetValue(baseUrl) ?? services.GetRequiredService<IConfiguration>()["PublicUrl"] ?? DefaultBaseUrl;
            await stderr.WriteLineAsync($"Invited {result.Email} to {target.Name} as {result.Role}. The link works once, until " +
                $"{result.ExpiresAt:yyyy-MM-dd HH:mm} UTC; pass it on now: it is not shown again.");
            await stdout.WriteLineAsync(TeamManager.InvitationLink(site, result.Token!));
            return ApiKeyCommandLine.Ok;
        }
        catch (DomainValidationException invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
                foreach (var message in messages) await stderr.WriteLineAsync($"{field}: {message}");
            return ApiKeyCommandLine.BadArguments;
        }
        catch (DomainException rule)
        {
            await stderr.WriteLineAsync(rule.Message);
            return ApiKeyCommandLine.BadArguments;
        }
    }

    private static bool HasHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");
}
