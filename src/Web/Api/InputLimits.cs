using FieldCamp.Domain;

namespace FieldCamp.Web.Api;

/// <summary>
/// The longest value each string field of a request body takes, checked before anything else looks at the value (so
/// a 1 MB "scope" is refused for its length, never quoted back in an error). The body limit bounds the request; these
/// bound what gets stored.
/// </summary>
internal static class InputLimits
{
    public const int ClientName = 200;
    public const int Email = 254; // the longest address SMTP can carry (RFC 5321 path limit)
    public const int Phone = 40;
    public const int JobTitle = 200;
    public const int Address = 500;
    public const int LongText = 4000; // job description, visit notes
    public const int InvoiceNumber = 40;
    public const int LineDescription = 500;
    public const int InvoiceLines = 200;
    public const int ItemName = 200;
    public const int ItemDescription = 2000;
    public const int Sku = 64;
    public const int Id = 64;
    public const int Scope = 64;
    public const int MaxScopes = 50;

    /// <summary>At most <see cref="MaxScopes"/> scopes of at most <see cref="Scope"/> characters each.</summary>
    public static void CheckScopes(Dictionary<string, string[]> errors, IReadOnlyList<string>? scopes)
    {
        if (scopes is null) return;
        if (scopes.Count > MaxScopes) errors["scopes"] = [$"A key can have at most {MaxScopes} scopes."];
        else if (scopes.Any(s => s is null || s.Length > Scope)) errors["scopes"] = [$"Each scope is a name of at most {Scope} characters, such as clients:read."];
    }

    /// <summary>Throws the 400 for what <paramref name="check"/> found; domain rules run only on values within bounds.</summary>
    public static void Enforce(Action<Dictionary<string, string[]>> check)
    {
        var errors = new Dictionary<string, string[]>();
        check(errors);
        if (errors.Count > 0) throw new DomainValidationException(errors);
    }
}
