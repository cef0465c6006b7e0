namespace FieldCamp.Web.Auth;

/// <summary>Bound from <c>ApiKeys:Cache</c>.</summary>
public sealed class ApiKeyCacheOptions
{
    /// <summary>
    /// The longest a cached key is trusted before it is read again. Changes made by this process apply at once;
    /// this bounds how late a change made elsewhere (the command line, another instance) is noticed.
    /// </summary>
    public TimeSpan MaxEntryAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many unknown digests are remembered, so a flood of invented keys costs no database reads.</summary>
    public int UnknownKeyCapacity { get; set; } = 100_000;
}
