using Microsoft.AspNetCore.Identity;

namespace FieldCamp.Web.Data;

public sealed class ApplicationUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
}
