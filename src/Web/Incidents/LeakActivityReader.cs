using System.Text.Json;
using FieldCamp.Domain.Incidents;
using FieldCamp.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace FieldCamp.Web.Incidents;

/// <summary>How an activity summary is stored on its incident, and read back.</summary>
public static class LeakActivityJson
{
    public static string Serialize(LeakActivity activity) => JsonSerializer.Serialize(activity, JsonSerializerOptions.Web);

    public static LeakActivity? Deserialize(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<LeakActivity>(json, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Sums up from the request log what a leaked key did in the hours before its incident was opened, and since. Requests
/// are grouped in SQL by everything the summary shows; record ids in paths are looked up in the key's branch, so the
/// person sees what each one is now.
/// </summary>
internal sealed class LeakActivityReader(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    /// <summary>The most request groups read; a key used from more places than this is summarised from its busiest.</summary>
    private const int MaxGroups = 5000;
    private const int MaxUserAgentsPerKind = 10;

    public async Task<LeakActivity> ReadAsync(Incident incident, int hours, CancellationToken cancellationToken = default)
    {
        hours = LeakActivity.Windows.Contains(hours) ? hours : LeakActivity.Windows[^1];
        var from = incident.OpenedAt.AddHours(-hours);
        var to = time.GetUtcNow().UtcDateTime;
        var keyId = incident.ApiKeyId;

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.ApiKeyRequests.AsNoTracking().Where(r => r.ApiKeyId == keyId && r.At >= from)
            .GroupBy(r => new { r.Method, r.Path, r.Status, r.Ip, r.UserAgent })
            .Select(g => new { g.Key.Method, g.Key.Path, g.Key.Status, g.Key.Ip, g.Key.UserAgent, Count = g.Sum(r => r.Count), First = g.Min(r => r.At), Last = g.Max(r => r.At) })
            .OrderByDescending(g => g.Count).Take(MaxGroups).ToListAsync(cancellationToken);

        var ips = rows.Select(r => r.Ip).OfType<string>().Distinct().ToList();
        var seenBefore = (await db.ApiKeyRequests.AsNoTracking()
            .Where(r => r.ApiKeyId == keyId && r.At < from && r.Ip != null && ips.Contains(r.Ip))
            .Select(r => r.Ip!).Distinct().ToListAsync(cancellationToken)).ToHashSet();

        var kinds = rows.Select(r => (Row: r, Template: LeakActivity.Template(r.Path)))
            .GroupBy(x => (Method: x.Row.Method.ToUpperInvariant(), x.Template.Template))
            .Select(g => new
            {
                g.Key.Method,
                g.Key.Template,
                Requests = g.Sum(x => x.Row.Count),
                Statuses = g.Select(x => x.Row.Status).Distinct().Order().ToList(),
                Ips = g.Where(x => x.Row.Ip is not null).GroupBy(x => x.Row.Ip!)
                    .Select(i => new LeakIp(i.Key, !seenBefore.Contains(i.Key), i.Sum(x => x.Row.Count)))
                    .OrderByDescending(i => i.New).ThenByDescending(i => i.Requests).ToList(),
                UserAgents = g.Where(x => !string.IsNullOrEmpty(x.Row.UserAgent)).GroupBy(x => x.Row.UserAgent!)
                    .OrderByDescending(a => a.Sum(x => x.Row.Count)).Select(a => a.Key).Take(MaxUserAgentsPerKind).ToList(),
                First = g.Min(x => x.Row.First),
                Last = g.Max(x => x.Row.Last),
                Records = g.SelectMany(x => x.Template.Records).Distinct().ToList(),
            }).ToList();

        var labels = await LabelsAsync(db, incident.BranchId, kinds.SelectMany(k => k.Records.Take(LeakActivity.MaxRecordsPerKind)), cancellationToken);
        var summaries = kinds.Select(k => new LeakRequestKind(k.Method, k.Template, k.Requests, k.Statuses, k.Ips, k.UserAgents, k.First, k.Last,
                RecordsKnown: k.Records.Count > 0,
                [.. k.Records.Take(LeakActivity.MaxRecordsPerKind).Select(r => new LeakRecord(Singular(r.Collection), r.Id, labels.GetValueOrDefault(r.Id)))]))
            .ToList();
        static List<LeakRequestKind> Busiest(IEnumerable<LeakRequestKind> kinds) => [.. kinds.OrderByDescending(k => k.Requests).ThenBy(k => k.Path)];
        return new LeakActivity(hours, from, to, summaries.Sum(k => k.Requests),
            Busiest(summaries.Where(k => k.IsWrite)), Busiest(summaries.Where(k => !k.IsWrite)),
            [.. summaries.SelectMany(k => k.Ips).Where(i => i.New).Select(i => i.Ip).Distinct().Order()]);
    }

    /// <summary>Each named record's name or title as the branch has it now; records it does not have are left out.</summary>
    private static async Task<Dictionary<string, string>> LabelsAsync(AppDbContext db, string branchId,
        IEnumerable<(string Collection, string Id)> records, CancellationToken cancellationToken)
    {
        var byCollection = records.Distinct().GroupBy(r => r.Collection, r => r.Id).ToDictionary(g => g.Key, g => g.ToList());
        var labels = new Dictionary<string, string>();
        async Task AddAsync<T>(string collection, IQueryable<T> set, System.Linq.Expressions.Expression<Func<T, IdLabel>> label) where T : BranchRecord
        {
            if (!byCollection.TryGetValue(collection, out var ids)) return;
            foreach (var row in await set.AsNoTracking().Where(r => ids.Contains(r.Id) && r.BranchId == branchId).Select(label).ToListAsync(cancellationToken))
                labels[row.Id] = row.Label;
        }
        await AddAsync("clients", db.Clients, c => new IdLabel { Id = c.Id, Label = c.Name });
        await AddAsync("jobs", db.Jobs, j => new IdLabel { Id = j.Id, Label = j.Title });
        await AddAsync("visits", db.Visits, v => new IdLabel { Id = v.Id, Label = "visit, " + v.Status });
        await AddAsync("invoices", db.Invoices, i => new IdLabel { Id = i.Id, Label = "invoice " + i.Number });
        await AddAsync("items", db.Items, i => new IdLabel { Id = i.Id, Label = i.Name });
        if (byCollection.TryGetValue("api-keys", out var keyIds))
            foreach (var key in await db.ApiKeys.AsNoTracking().Where(k => keyIds.Contains(k.Id) && k.BranchId == branchId)
                         .Select(k => new { k.Id, k.Name }).ToListAsync(cancellationToken))
                labels[key.Id] = key.Name;
        return labels;
    }

    private sealed class IdLabel
    {
        public string Id { get; init; } = "";
        public string Label { get; init; } = "";
    }

    private static string Singular(string collection) => collection switch
    {
        "clients" => "client",
        "jobs" => "job",
        "visits" => "visit",
        "invoices" => "invoice",
        "items" => "item",
        "api-keys" => "API key",
        _ => "record",
    };
}
