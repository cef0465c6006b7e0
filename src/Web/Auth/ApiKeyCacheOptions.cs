namespace FieldCamp.Web.Auth;

/// <summary>Bound from <c>ApiKeys:Cache</c>.</summary>
public sealed class ApiKeyCacheOptions
{
    /// <summary>
    /// The longest a cached key is trusted before it is read again. Changes made by this process apply at once;
    /// this bounds how late a change made elsewhere (the command line, another instance) is noticed.
    /// </summary>
    public TimeSpan MaxEntryAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With Redis configured and this instance subscribed to it, every instance's changes arrive as they commit, so
    /// an entry is trusted this long instead (fewer database reads). The moment the subscription drops, entries fall
    /// back to <see cref="MaxEntryAge"/>, and when it returns the whole cache is read again.
    /// </summary>
    public TimeSpan MaxEntryAgeWhileSubscribed { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While the database cannot be reached, a key read from it within this long keeps working (expiry is still checked
    /// on every request). A change made by another instance just before the outage may go unnoticed this long.
    /// </summary>
    public TimeSpan MaxEntryAgeWhenStoreDown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many unknown digests are remembered, so a flood of invented keys costs no database reads.</summary>
    public int UnknownKeyCapacity { get; set; } = 100_000;
}
