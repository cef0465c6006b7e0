using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Data;

/// <summary>The Development demo workspace: two companies, people of every role, and a little field data.</summary>
internal static class DemoSeeder
{
    public const string Password = "FieldCamp!demo1";

    public static readonly IReadOnlyList<(string Email, string Company, Role Role)> People =
    [
        ("owner@acme.test", "acme", Role.Owner),
        ("admin@acme.test", "acme", Role.Admin),
        ("member@acme.test", "acme", Role.Member),
        ("owner@globex.test", "globex", Role.Owner),
    ];

    /// <summary>Seeds an empty database; leaves one that has any company alone.</summary>
    public static async Task SeedIfEmptyAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (await db.Companies.AnyAsync()) return;

        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var acme = new Company(Ids.New("co", now), "acme", "Acme Field Services");
        var globex = new Company(Ids.New("co", now), "globex", "Globex Plumbing");
        var north = new Branch(Ids.New("br", now), acme.Id, "North");
        var south = new Branch(Ids.New("br", now.AddMilliseconds(1)), acme.Id, "South");
        var globexMain = new Branch(Ids.New("br", now), globex.Id, "Main");
        db.AddRange(acme, globex, north, south, globexMain);

        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var ids = new Dictionary<string, string>();
        foreach (var (email, company, role) in People)
        {
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = DisplayName(email) };
            var result = await users.CreateAsync(user, Password);
            if (!result.Succeeded) throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
            ids[email] = user.Id;
            db.Memberships.Add(new Membership(user.Id, company == "acme" ? acme.Id : globex.Id, role));
        }

        var seed = 0;
        foreach (var branch in new[] { north, south, globexMain })
            AddFieldData(db, branch, now, ref seed);
        AddDemoKeys(db, acme, north, ids["admin@acme.test"], now);
        await db.SaveChangesAsync();
    }

    private static void AddFieldData(AppDbContext db, Branch branch, DateTime now, ref int seed)
    {
        string[] clients = ["Harbor Dental", "Maple Street Bakery", "Riverside Apartments", "Oakwood School"];
        string[] jobs = ["Boiler service", "Leak repair", "Annual inspection"];
        string[] items = ["Call-out fee", "Labour (hour)", "Replacement valve"];
        for (var i = 0; i < clients.Length; i++)
        {
            var at = now.AddMinutes(-(++seed));
            var client = new Client { Id = Ids.New("cli", at), BranchId = branch.Id, CreatedAt = at, UpdatedAt = at, Name = $"{clients[i]} ({branch.Name})",
                Email = $"office{i + 1}@{branch.Name.ToLowerInvariant()}.example" };
            db.Clients.Add(client);
            var job = new Job { Id = Ids.New("job", at), BranchId = branch.Id, CreatedAt = at, UpdatedAt = at, ClientId = client.Id, Title = jobs[i % jobs.Length] };
            db.Jobs.Add(job);
            db.Visits.Add(new Visit { Id = Ids.New("vis", at), BranchId = branch.Id, CreatedAt = at, UpdatedAt = at, JobId = job.Id,
                StartsAt = now.AddDays(i + 1).Date.AddHours(9) });
            var line = new InvoiceLineRecord { Description = jobs[i % jobs.Length], Quantity = 1, UnitPriceCents = 12_500 + i * 4_250 };
            db.Invoices.Add(new Invoice { Id = Ids.New("inv", at), BranchId = branch.Id, CreatedAt = at, UpdatedAt = at, ClientId = client.Id,
                Number = $"INV-{1000 + seed}", Lines = [line], TotalCents = line.UnitPriceCents, Status = i % 2 == 0 ? "paid" : "sent" });
        }
        for (var i = 0; i < items.Length; i++)
        {
            var at = now.AddMinutes(-(++seed));
            db.Items.Add(new Item { Id = Ids.New("itm", at), BranchId = branch.Id, CreatedAt = at, UpdatedAt = at, Name = items[i],
                UnitPriceCents = 4_500 + i * 2_000 });
        }
    }

    /// <summary>A few keys in different states so the dashboard has something to show. Their secrets are discarded.</summary>
    private static void AddDemoKeys(AppDbContext db, Company company, Branch branch, string adminId, DateTime now)
    {
        var admin = Actor.Person(adminId, "admin@acme.test", null);
        (string Name, string[] Scopes, int CreatedDaysAgo, int? ExpiresInDays, DemoTraffic? Traffic)[] keys =
        [
            ("zapier-job-sync", ["jobs:read", "visits:read"], 75, 10, null),
            ("quickbooks-sync", ["clients:read", "invoices:read"], 20, 70,
                new("203.0.113.24", "QuickBooks-Connector/4.2", ["/api/v1/clients", "/api/v1/invoices"], EveryHour: true,
                    Refused: ("/api/v1/items", "items:read"))),
            ("booking-widget-prod", ["clients:write", "jobs:write"], 5, 85,
                new("198.51.100.7", "BookingWidget/1.8 (+https://book.example)", ["/api/v1/clients", "/api/v1/jobs"], EveryHour: false,
                    Bursts: true)),
            ("internal-admin-automation", [Scopes.All], 3, null, null),
        ];
        foreach (var (name, scopes, createdDaysAgo, expiresInDays, traffic) in keys)
        {
            var created = now.AddDays(-createdDaysAgo);
            var (key, _) = ApiKey.Create(company.Id, branch.Id,
                new NewApiKey(name, scopes, expiresInDays is { } d ? now.AddDays(d) : null, OwnerId: adminId), admin, created);
            db.ApiKeys.Add(key);
            if (traffic is not null) AddDemoTraffic(db, key, now, created, traffic);
        }
    }

    /// <summary>
    /// A demo integration's calls: a sync that reads every hour, or a widget that writes in the daytime; now and then a
    /// call for something its scopes do not allow (<see cref="Refused"/>: the path and the scope it lacks).
    /// </summary>
    /// <remarks><see cref="Bursts"/>: now and then more at once than the company's limit allows, refused 429.</remarks>
    private sealed record DemoTraffic(string Ip, string UserAgent, string[] Paths, bool EveryHour, (string Path, string Scope)? Refused = null,
        bool Bursts = false);

    /// <summary>
    /// Two days of request log for a demo key, so its activity chart and recent requests have something to show, and the
    /// matching per-day scope use since the key was created (the days before the log's two at a steady rate).
    /// </summary>
    private static void AddDemoTraffic(AppDbContext db, ApiKey key, DateTime now, DateTime created, DemoTraffic traffic)
    {
        var (ip, userAgent, paths, everyHour, refused, bursts) = traffic;
        var random = new Random(key.Name.Length); // the same demo every time
        var last = DateTime.MinValue;
        var scopeUse = new Dictionary<(DateOnly Day, string Scope), ScopeUseDay>();
        void Count(DateTime at, string scope, int allowed, int refusedCount)
        {
            var day = DateOnly.FromDateTime(at);
            if (!scopeUse.TryGetValue((day, scope), out var row))
                scopeUse[(day, scope)] = row = new ScopeUseDay { ApiKeyId = key.Id, Day = day, Scope = scope };
            row.Allowed += allowed;
            row.Refused += refusedCount;
        }
        // The scope each demo path needs: a GET reads its resource, a POST writes it.
        string ScopeOf(string path)
        {
            var resource = path.Split('/')[3];   // "/api/v1/clients" → "clients"
            return everyHour ? Scopes.Read(resource) : Scopes.Write(resource);
        }

        for (var hoursAgo = 47; hoursAgo >= 0; hoursAgo--)
        {
            var hour = now.AddHours(-hoursAgo);
            var daytime = hour.Hour is >= 7 and <= 19;
            // A few bursts over the limit, two of them within the last 24 hours: refused before any scope was checked,
            // and no use of the key.
            if (bursts && hoursAgo is 1 or 6 or 30)
                db.ApiKeyRequests.Add(new ApiKeyRequest
                {
                    ApiKeyId = key.Id, At = hour.AddMinutes(-random.Next(5, 55)), Method = "POST", Path = paths[^1], Status = 429,
                    Ip = ip, UserAgent = userAgent, Count = random.Next(3, 8),
                });
            if (!everyHour && !daytime) continue;
            foreach (var path in paths)
            {
                var at = hour.AddMinutes(-random.Next(5, 55)).AddSeconds(random.Next(60));
                var failed = random.Next(12) == 0;
                var count = failed ? 1 : random.Next(1, daytime ? 14 : 4);
                db.ApiKeyRequests.Add(new ApiKeyRequest
                {
                    ApiKeyId = key.Id, At = at, Method = everyHour ? "GET" : "POST", Path = path, Status = failed ? 400 : everyHour ? 200 : 201,
                    Ip = ip, UserAgent = userAgent, Count = count,
                });
                Count(at, ScopeOf(path), count, 0);   // a 400 passed the scope check: the scope was used
                if (at > last) last = at;
            }
            if (refused is var (refusedPath, refusedScope) && hoursAgo % 7 == 3)
            {
                var at = hour.AddMinutes(-random.Next(5, 55));
                db.ApiKeyRequests.Add(new ApiKeyRequest
                {
                    ApiKeyId = key.Id, At = at, Method = "GET", Path = refusedPath, Status = 403, Ip = ip, UserAgent = userAgent, Count = 2,
                });
                Count(at, refusedScope, 0, 2);
            }
        }
        // Before the log's two days: the same calls, a day at a time, back to the day the key was created.
        var logStart = DateOnly.FromDateTime(now.AddHours(-47));
        for (var day = DateOnly.FromDateTime(created); day < logStart; day = day.AddDays(1))
        {
            var at = day.ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc);
            foreach (var path in paths) Count(at, ScopeOf(path), random.Next(everyHour ? 60 : 40, everyHour ? 120 : 90), 0);
        }
        db.ScopeUseDays.AddRange(scopeUse.Values);

        var entry = db.Entry(key);
        entry.Property(k => k.LastUsedAt).CurrentValue = last;
        entry.Property(k => k.LastUsedIp).CurrentValue = ip;
        entry.Property(k => k.LastUsedUserAgent).CurrentValue = userAgent;
    }

    private static string DisplayName(string email)
    {
        var local = email[..email.IndexOf('@')];
        return char.ToUpperInvariant(local[0]) + local[1..];
    }
}
