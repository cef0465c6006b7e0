namespace FieldCamp.Web.Api;

/// <summary>Section <c>Api</c>: limits that apply to every request of the hosted API.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>The largest request body accepted; a larger one is refused with 413 before it is read.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
}
