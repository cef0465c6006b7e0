namespace FieldCamp.Domain.Audit;

public enum ActorType
{
    Person = 1,
    ApiKey = 2,
    /// <summary>An operator at the command line, or the system itself.</summary>
    System = 3,
}

/// <summary>
/// Who did something, and from where (the client's address and user agent, when there was a client).
/// <see cref="Name"/> is a snapshot for display.
/// </summary>
public sealed record Actor(ActorType Type, string Id, string Name, string? Ip = null, string? UserAgent = null)
{
    public static Actor Person(string userId, string email, string? ip, string? userAgent = null) =>
        new(ActorType.Person, userId, email, ip, userAgent);
    public static Actor Key(string keyId, string keyName, string? ip, string? userAgent = null) =>
        new(ActorType.ApiKey, keyId, keyName, ip, userAgent);
    public static Actor Operator(string name) => new(ActorType.System, "cli", name);
    /// <summary>A leak report from a secret scanner (GitHub's partner program), acted on without a person.</summary>
    public static readonly Actor SecretScanning = new(ActorType.System, "secret-scanning", "secret scanning");
    /// <summary>The app's own background jobs (auto-revoking unused keys under the company's policy).</summary>
    public static readonly Actor System = new(ActorType.System, "system", "FieldCamp");
}
