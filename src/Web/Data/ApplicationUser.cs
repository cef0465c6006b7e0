using Microsoft.AspNetCore.Identity;

namespace FieldCamp.Web.Data;

public sealed class ApplicationUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>The branch the person last worked in; the dashboard opens there.</summary>
    public string? LastBranchId { get; set; }
}
