namespace FieldCamp.Domain.ApiKeys;

/// <summary>A named starting point in the scope picker.</summary>
public sealed record ScopePreset(string Name, string Description, IReadOnlyList<string> Scopes);

/// <summary>
/// The scope catalogue and its rules: <c>resource:action</c>, <c>X:write</c> implies <c>X:read</c>,
/// <c>*</c> implies everything, and nobody grants a scope they do not hold.
/// </summary>
public static class Scopes
{
    public const string All = "*";
    public const string ApiKeysManage = "api-keys:manage";
    public const string IntegrationsWrite = "integrations:write";
    public const string RenamedWebhooksManage = "webhooks:manage";

    /// <summary>Resources that come as a read/write pair, in the order the picker shows them.</summary>
    public static readonly IReadOnlyList<string> Resources = ["clients", "jobs", "visits", "invoices", "items"];

    /// <summary>Every grantable scope except <c>*</c>, in display order.</summary>
    public static readonly IReadOnlyList<string> Catalogue =
        [.. Resources.SelectMany(r => new[] { Read(r), Write(r) }), IntegrationsWrite, ApiKeysManage];

    private static readonly HashSet<string> Known = [All, .. Catalogue];

    public static readonly IReadOnlyList<ScopePreset> Presets =
    [
        new("Read-only analytics", "Reporting and BI tools that only read.", ["clients:read", "jobs:read", "visits:read"]),
        new("Booking widget intake", "A website form that creates clients and jobs.", ["clients:write", "jobs:write"]),
        new("Accounting sync", "Pulls invoices and the clients they bill.", ["clients:read", "invoices:read"]),
        new("Full admin automation", "Everything, including managing keys. Trusted internal tools only.", [All]),
    ];

    public static string Read(string resource) => resource + ":read";
    public static string Write(string resource) => resource + ":write";

    /// <summary>True for scopes that deserve a warning when granted: <c>*</c> and <c>api-keys:manage</c>.</summary>
    public static bool IsPowerful(string scope) => scope is All or ApiKeysManage;

    /// <summary>
    /// Checks requested scopes and returns them de-duplicated in catalogue order, or the reasons they are not
    /// acceptable (unknown names, the renamed <c>webhooks:manage</c>, an empty list).
    /// </summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string>? requested, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var distinct = (requested ?? []).Select(s => s?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
            problems.Add("Choose at least one scope.");
        foreach (var scope in distinct.Where(s => !Known.Contains(s)))
        {
            problems.Add(scope == RenamedWebhooksManage
                ? $"'{RenamedWebhooksManage}' is an old name: use '{IntegrationsWrite}' to manage webhooks."
                : $"'{scope}' is not a scope. Valid scopes: {All}, {string.Join(", ", Catalogue)}.");
        }
        errors = problems;
        return problems.Count > 0 ? [] : [.. distinct.OrderBy(s => s == All ? -1 : IndexInCatalogue(s))];
    }

    private static int IndexInCatalogue(string scope) => Catalogue.Select((s, i) => (s, i)).First(p => p.s == scope).i;

    /// <summary>Everything a set of granted scopes allows, implications included.</summary>
    public static IReadOnlySet<string> Expand(IEnumerable<string> granted)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var scope in granted)
        {
            if (scope == All)
            {
                result.UnionWith(Known);
                return result;
            }
            result.Add(scope);
            if (ImpliedRead(scope) is { } read) result.Add(read);
        }
        return result;
    }

    public static bool Grants(IEnumerable<string> granted, string required) => Expand(granted).Contains(required);

    /// <summary>The read scope a write scope implies (<c>clients:write</c> → <c>clients:read</c>); null for any other scope.</summary>
    public static string? ImpliedRead(string scope) =>
        scope.EndsWith(":write", StringComparison.Ordinal) && Resources.Contains(scope[..^":write".Length])
            ? Read(scope[..^":write".Length])
            : null;

    /// <summary>Every scope that, granted alone, allows <paramref name="scope"/>: itself, <c>*</c>, and its write scope for a read.</summary>
    public static IReadOnlyList<string> GrantedBy(string scope) =>
        [All, scope, .. Catalogue.Where(s => ImpliedRead(s) == scope)];

    /// <summary>
    /// The requested scopes that <paramref name="callerScopes"/> does not cover: a key may only hand out what it
    /// can do itself, or a key with <c>api-keys:manage</c> could mint itself a <c>*</c>.
    /// </summary>
    public static IReadOnlyList<string> NotGrantableBy(IEnumerable<string> callerScopes, IEnumerable<string> requested)
    {
        var held = Expand(callerScopes);
        return [.. requested.Where(s => !held.Contains(s))];
    }
}
