using System.Text.RegularExpressions;

namespace FieldCamp.Domain.Incidents;

/// <summary>An address a leaked key was used from; <see cref="New"/> when the key had not been used from it before the window.</summary>
public sealed record LeakIp(string Ip, bool New, int Requests);

/// <summary>
/// A record a request named in its path. <see cref="Label"/> is its name or title as the store has it now; null when the
/// store no longer has it (deleted, or an id that never existed).
/// </summary>
public sealed record LeakRecord(string Kind, string Id, string? Label);

/// <summary>
/// The requests of one kind (method and path, with record ids taken out) made with the key in the window.
/// <see cref="RecordsKnown"/> is false when the path names no record (a list, a create): the request log keeps the path,
/// never the body or the response, so which records such a request created or returned cannot be told.
/// </summary>
public sealed record LeakRequestKind(
    string Method, string Path, int Requests, IReadOnlyList<int> Statuses, IReadOnlyList<LeakIp> Ips,
    IReadOnlyList<string> UserAgents, DateTime First, DateTime Last, bool RecordsKnown, IReadOnlyList<LeakRecord> Records)
{
    public bool IsWrite => LeakActivity.IsWrite(Method);
}

/// <summary>
/// What a leaked key did in the <see cref="Hours"/> hours before it was revoked (and since: attempts after revocation are
/// refused, and shown so). Writes come first, then reads, each busiest first. Saved on the incident as it was shown.
/// </summary>
public sealed record LeakActivity(
    int Hours, DateTime From, DateTime To, int Requests, IReadOnlyList<LeakRequestKind> Writes, IReadOnlyList<LeakRequestKind> Reads,
    IReadOnlyList<string> NewIps)
{
    /// <summary>The windows a person can choose between.</summary>
    public static readonly IReadOnlyList<int> Windows = [24, 48];

    /// <summary>Records listed per kind of request; more are counted, not named.</summary>
    public const int MaxRecordsPerKind = 20;

    public const string IdPlaceholder = "{id}";

    // Our public ids: a short type prefix, an underscore and at least 8 base62 digits (job_0TpXk2Mz4fB9qLr7Wx1Ns).
    private static readonly Regex IdSegment = new("^[a-z]{2,10}_[0-9A-Za-z]{8,64}$", RegexOptions.CultureInvariant);

    /// <summary>Methods that change something; everything else only reads.</summary>
    public static bool IsWrite(string method) =>
        method.ToUpperInvariant() is "POST" or "PUT" or "PATCH" or "DELETE";

    /// <summary>
    /// The path with each record id replaced by <c>{id}</c>, and the records it named with the collection each sits in
    /// (<c>/api/v1/jobs/job_1/visits</c> → <c>/api/v1/jobs/{id}/visits</c>, [jobs job_1]).
    /// </summary>
    public static (string Template, IReadOnlyList<(string Collection, string Id)> Records) Template(string path)
    {
        var query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        var segments = path.Split('/');
        var records = new List<(string, string)>();
        for (var i = 0; i < segments.Length; i++)
        {
            if (!IdSegment.IsMatch(segments[i])) continue;
            records.Add((i > 0 ? segments[i - 1] : "", segments[i]));
            segments[i] = IdPlaceholder;
        }
        return (string.Join('/', segments), records);
    }
}
