using System.Security.Claims;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Auth;

public sealed class DashboardSessionOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// How often an open dashboard tab checks that its person may still do what it shows. A removed member, a lowered
    /// role or a locked account takes effect in every open tab within this time, without a reload.
    /// </summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// The dashboard's sign-in, checked again every <see cref="DashboardSessionOptions.RevalidationInterval"/> while a tab
/// is open (the framework's <see cref="RevalidatingServerAuthenticationStateProvider"/>, as in the Blazor Web App
/// template): the account must still exist with the security stamp it signed in with, must not be locked out, and must
/// still belong to the company the tab works in. A failed check signs the tab out (the router then leads to sign-in);
/// a changed role reloads the <see cref="Workspace"/>, whose pages re-render with what the new role may do.
/// </summary>
internal sealed class DashboardAuthenticationStateProvider(
    ILoggerFactory loggers, IServiceScopeFactory scopes, IServiceProvider circuitServices,
    IOptions<IdentityOptions> identity, IOptions<DashboardSessionOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => options.Value.RevalidationInterval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken cancellationToken) =>
        ValidateAsync(state.User, cancellationToken);

    /// <summary>True while the signed-in person may keep using this tab as they are.</summary>
    internal async Task<bool> ValidateAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        // A fresh scope: the circuit's own services would keep what they read when the tab opened.
        await using (var scope = scopes.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.GetUserAsync(principal);
            if (user is null) return false;
            if (users.SupportsUserSecurityStamp
                && principal.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType) != await users.GetSecurityStampAsync(user))
                return false;
            if (await users.IsLockedOutAsync(user)) return false;
        }
        // The workspace belongs to this tab's circuit, like this provider: its memberships are read afresh there.
        return await circuitServices.GetRequiredService<Workspace>().RevalidateAsync(cancellationToken);
    }
}
