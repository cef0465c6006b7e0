namespace FieldCamp.Domain.ApiKeys;

/// <summary>
/// What a key needs, judged by what it did: the scopes it was granted against the scopes its requests required.
/// <see cref="Suggested"/> is empty when the key was not used at all: then it is a candidate for revocation.
/// </summary>
public sealed record ScopeSuggestion(IReadOnlyList<string> Granted, IReadOnlyList<string> Used, IReadOnlyList<string> Suggested)
{
    public bool SuggestsRevocation => Used.Count == 0;

    /// <summary>True when the suggested set allows less than the granted one (and the key was used).</summary>
    public bool IsNarrower => !SuggestsRevocation && Scopes.Expand(Suggested).Count < Scopes.Expand(Granted).Count;
}

public static class LeastPrivilege
{
    /// <summary>
    /// The narrowest scope set that still covers every use: a resource's write scope only where a write happened
    /// (it implies the read), its read scope where only reads did, <c>*</c> replaced by what was used, and nothing
    /// beyond what was granted. <paramref name="used"/> holds the scopes the endpoints required, as recorded.
    /// </summary>
    public static ScopeSuggestion Suggest(IEnumerable<string> granted, IEnumerable<string> used)
    {
        IReadOnlyList<string> grantedList = [.. granted];
        var allowed = Scopes.Expand(grantedList);
        var exercised = used.Where(allowed.Contains).ToHashSet(StringComparer.Ordinal);
        var suggested = Scopes.Catalogue
            .Where(scope => exercised.Contains(scope))
            // A read that a suggested write already implies is left out.
            .Where(scope => !Scopes.Resources.Any(r => scope == Scopes.Read(r) && exercised.Contains(Scopes.Write(r))))
            .ToList();
        return new ScopeSuggestion(grantedList, [.. Scopes.Catalogue.Where(exercised.Contains)], suggested);
    }
}
