using System.Text;

namespace FieldCamp.Web.ApiReference;

/// <summary>
/// Operation ids a client generator turns into good method names: an endpoint's <c>WithName</c> in camelCase, or else
/// one made from its method and path (<c>GET /clients</c> listClients, <c>GET /clients/{id}</c> getClient,
/// <c>POST /clients</c> createClient, <c>PATCH</c> update…, <c>DELETE</c> delete…, <c>GET /jobs/{id}/visits</c>
/// listJobVisits, <c>POST /webhooks/{id}/test</c> testWebhook).
/// </summary>
internal static class OperationIds
{
    private const string Prefix = "api/v1/";

    public static string For(string method, string relativePath, string? endpointName) =>
        endpointName is { Length: > 0 } ? Camel(endpointName) : Derive(method, relativePath);

    public static string Derive(string method, string relativePath)
    {
        var path = relativePath.Split('?')[0].Trim('/');
        if (path.StartsWith(Prefix, StringComparison.Ordinal)) path = path[Prefix.Length..];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var verb = method.ToUpperInvariant();
        if (segments.Length == 0) return Camel(verb.ToLowerInvariant() + "Root");

        // The literal segments, each with whether a parameter follows it (an item of that collection is meant).
        var nouns = new List<(string Word, bool Item)>();
        for (var i = 0; i < segments.Length; i++)
        {
            if (IsParameter(segments[i])) continue;
            nouns.Add((segments[i], i + 1 < segments.Length && IsParameter(segments[i + 1])));
        }
        var endsWithParameter = IsParameter(segments[^1]);
        var name = new StringBuilder();

        if (endsWithParameter)
        {
            // GET/PATCH/PUT/DELETE /clients/{id}: one item of the last collection.
            name.Append(verb switch
            {
                "GET" => "get",
                "PATCH" => "update",
                "PUT" => "replace",
                "DELETE" => "delete",
                _ => verb.ToLowerInvariant(),
            });
            foreach (var (word, _) in nouns) name.Append(Pascal(Singular(word)));
            return name.ToString();
        }

        var (last, _) = nouns[^1];
        var owners = nouns.Take(nouns.Count - 1).Select(n => Pascal(n.Item ? Singular(n.Word) : n.Word));
        var followsItem = segments.Length > 1 && IsParameter(segments[^2]);
        if (!IsPlural(last) && followsItem && verb != "GET")
        {
            // POST /webhooks/{id}/rotate-secret: an action on an item; its first word is the verb (rotateWebhookSecret).
            var words = Words(last);
            name.Append(words[0]);
            foreach (var owner in owners) name.Append(owner);
            foreach (var word in words.Skip(1)) name.Append(Pascal(word));
            return name.ToString();
        }

        // A collection (or a single thing, like company-info): list/get it, or create an item in it.
        var plural = IsPlural(last);
        name.Append(verb switch
        {
            "GET" => plural ? "list" : "get",
            "POST" => plural ? "create" : "post",
            "PUT" => "replace",
            "PATCH" => "update",
            "DELETE" => "delete",
            _ => verb.ToLowerInvariant(),
        });
        foreach (var owner in owners) name.Append(owner);
        name.Append(Pascal(verb == "POST" && plural ? Singular(last) : last));
        return name.ToString();
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{');

    private static bool IsPlural(string word) => word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal);

    private static string Singular(string word) =>
        word.EndsWith("ies", StringComparison.Ordinal) ? word[..^3] + "y"
        : IsPlural(word) ? word[..^1]
        : word;

    private static string[] Words(string segment) =>
        segment.Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries).Select(w => w.ToLowerInvariant()).ToArray();

    private static string Pascal(string segment) =>
        string.Concat(Words(segment).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
