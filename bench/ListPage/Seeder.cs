using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Bench.ListPage;

/// <summary>A branch the benchmark looks at, with what was seeded in it.</summary>
internal sealed record BranchUnderTest(string Label, string BranchId, string BranchName, int ListedKeys, int Matches);

internal sealed record SeedResult(string AdminId, BranchUnderTest Small, BranchUnderTest Large, TimeSpan Took);

/// <summary>
/// Adds keys through the domain (<see cref="ApiKey.Create"/>, so ids, digests, hints and audit events are exactly
/// what the app itself would store) on top of the Development demo workspace, and tops up acme's North branch to
/// <c>large</c> keys (it already holds the 4 demo keys) and South to <c>small</c>. Names, scopes, expiries, limits,
/// owners and creation times vary; a few names in each branch contain the search term, spread across the creation
/// times (so the matches are not all on the first page of the unfiltered list). Deterministic apart from the secrets.
/// </summary>
internal static class Seeder
{
    private static readonly string[] Systems =
    [
        "zapier", "quickbooks", "xero", "hubspot", "salesforce", "slack", "stripe", "twilio", "mailchimp", "airtable",
        "make", "n8n", "jira", "netsuite", "shopify", "pipedrive", "segment", "looker", "tableau", "powerbi",
    ];
    private static readonly string[] Purposes =
    [
        "job-sync", "invoice-export", "client-import", "visit-reminders", "booking-widget", "reporting", "webhook-relay",
        "inventory", "payroll", "crm-sync", "dispatch-board", "parts-ordering",
    ];
    private static readonly string[] Environments = ["prod", "staging", "dev", "test"];

    public static async Task<SeedResult> SeedAsync(IServiceProvider services, int large, int small, int largeMatches, int smallMatches, string term)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var dbFactory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await dbFactory.CreateDbContextAsync();

        var acme = await db.Companies.SingleAsync(c => c.Slug == "acme");
        var north = await db.Branches.SingleAsync(b => b.CompanyId == acme.Id && b.Name == "North");
        var south = await db.Branches.SingleAsync(b => b.CompanyId == acme.Id && b.Name == "South");
        var people = await (
            from m in db.Memberships
            where m.CompanyId == acme.Id
            join u in db.Users on m.UserId equals u.Id
            orderby u.Email
            select new { u.Id, u.Email }).ToListAsync();
        var admin = people.Single(p => p.Email == "admin@acme.test");
        var actor = Actor.Person(admin.Id, admin.Email!, null);
        var ownerIds = people.Select(p => p.Id).ToArray();
        var now = DateTime.UtcNow;
        var random = new Random(20261123);

        foreach (var (branch, target, matches) in new[] { (north, large, largeMatches), (south, small, smallMatches) })
        {
            var existing = await db.ApiKeys.CountAsync(k => k.BranchId == branch.Id);
            var count = target - existing;
            if (count < matches) throw new InvalidOperationException($"{branch.Name} already holds {existing} keys; cannot top up to {target}.");
            // Matches sit at evenly spread positions in creation order: oldest, middle, newest-ish.
            var matchAt = Enumerable.Range(0, matches).Select(i => (int)((2L * i + 1) * count / (2L * matches))).ToHashSet();
            var span = TimeSpan.FromDays(540);
            var keys = new List<ApiKey>(count);
            for (var i = 0; i < count; i++)
            {
                // Oldest first, roughly evenly spaced over 540 days, a little jitter, all before the demo keys' "now".
                var createdAt = now - span + span * ((i + random.NextDouble() * 0.5) / count) - TimeSpan.FromMinutes(5);
                var env = Environments[random.Next(Environments.Length)];
                var name = matchAt.Contains(i)
                    ? $"{term}-{Purposes[random.Next(Purposes.Length)]}-{env}"
                    : $"{Systems[random.Next(Systems.Length)]}-{Purposes[random.Next(Purposes.Length)]}-{env}-{i:D5}";
                string[] scopes = random.NextDouble() < 0.05
                    ? [Scopes.All]
                    : [.. Scopes.Catalogue.OrderBy(_ => random.Next()).Take(random.Next(1, 5))];
                DateTime? expiresAt = random.NextDouble() < 0.3 ? null : createdAt.AddDays(random.Next(30, 400));
                int? limit = random.NextDouble() < 0.2 ? random.Next(1, 100) * 60 : null;
                var ownerId = random.NextDouble() < 0.1 ? null : ownerIds[random.Next(ownerIds.Length)];
                var (key, _) = ApiKey.Create(acme.Id, branch.Id, new NewApiKey(name, scopes, expiresAt, limit, ownerId), actor, createdAt);
                keys.Add(key);
            }
            db.ApiKeys.AddRange(keys);
        }
        await db.SaveChangesAsync(); // also stores each key's "created" audit event

        // What the list will show (it hides revoked keys) and what the search will find, as the database sees it.
        var pattern = $"%{term}%";
        async Task<BranchUnderTest> Describe(string label, FieldCamp.Domain.Tenancy.Branch branch) => new(label, branch.Id, branch.Name,
            await db.ApiKeys.CountAsync(k => k.BranchId == branch.Id && k.RevokedAt == null),
            await db.ApiKeys.CountAsync(k => k.BranchId == branch.Id && k.RevokedAt == null && EF.Functions.Like(k.Name, pattern)));
        return new SeedResult(admin.Id, await Describe("small", south), await Describe("large", north), started.Elapsed);
    }

    /// <summary>Where the dashboard opens for this person next time (what the app-bar switcher writes).</summary>
    public static async Task SetLastBranchAsync(IServiceProvider services, string userId, string branchId)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var updated = await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(set => set.SetProperty(u => u.LastBranchId, branchId));
        if (updated != 1) throw new InvalidOperationException("The admin's LastBranchId was not updated.");
    }
}
