using System.Security.Claims;
using FieldCamp.Domain.Tenancy;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using FieldCamp.Web.Teams;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FieldCamp.Tests.Unit.Dashboard;

/// <summary>What an open dashboard tab checks every few seconds: stamp, lockout, membership.</summary>
public sealed class RevalidationTests : IDisposable
{
    private readonly AppFactory _app = new();

    public void Dispose() => _app.Dispose();

    /// <summary>A tab of this demo person, as the circuit has it: its sign-in principal (with the stamp), workspace and provider.</summary>
    private async Task<(DashboardAuthenticationStateProvider Provider, ClaimsPrincipal Principal, Workspace Workspace)> OpenTabAsync(string email)
    {
        ClaimsPrincipal principal;
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>();
            principal = await factory.CreateAsync((await users.FindByEmailAsync(email))!);
        }
        var workspace = new Workspace(_app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), new Fixed(principal), new HttpContextAccessor());
        await workspace.LoadAsync();
        var circuit = new ServiceCollection().AddSingleton(workspace).BuildServiceProvider();
        var provider = new DashboardAuthenticationStateProvider(NullLoggerFactory.Instance, _app.Services.GetRequiredService<IServiceScopeFactory>(),
            circuit, _app.Services.GetRequiredService<IOptions<IdentityOptions>>(), Options.Create(new DashboardSessionOptions()));
        return (provider, principal, workspace);
    }

    private async Task WithUserAsync(string email, Func<UserManager<ApplicationUser>, ApplicationUser, Task> change)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        await change(users, (await users.FindByEmailAsync(email))!);
    }

    [Fact]
    public void RevalidationInterval_Default_WellWithin30Seconds() =>
        Assert.InRange(new DashboardSessionOptions().RevalidationInterval, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));

    [Fact]
    public async Task Validate_NothingChanged_StaysSignedIn()
    {
        var (provider, principal, _) = await OpenTabAsync("admin@acme.test");
        Assert.True(await provider.ValidateAsync(principal));
    }

    [Fact]
    public async Task Validate_LockedOut_SignedOut()
    {
        var (provider, principal, _) = await OpenTabAsync("admin@acme.test");
        await WithUserAsync("admin@acme.test", (users, user) => users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddDays(1)));

        Assert.False(await provider.ValidateAsync(principal));
    }

    [Fact]
    public async Task Validate_SecurityStampChanged_SignedOut()
    {
        var (provider, principal, _) = await OpenTabAsync("admin@acme.test");
        await WithUserAsync("admin@acme.test", (users, user) => users.UpdateSecurityStampAsync(user));

        Assert.False(await provider.ValidateAsync(principal));
    }

    [Fact]
    public async Task Validate_MembershipRemoved_SignedOut()
    {
        var (provider, principal, _) = await OpenTabAsync("member@acme.test");
        var (acme, _) = await _app.TenantAsync("acme");
        await using (var db = await _app.CreateDbContextAsync())
        {
            var userId = await db.Users.Where(u => u.Email == "member@acme.test").Select(u => u.Id).SingleAsync();
            await _app.Services.GetRequiredService<TeamManager>().RemoveAsync(acme, userId, FieldCamp.Domain.Audit.Actor.Operator("tests"));
        }

        Assert.False(await provider.ValidateAsync(principal));
    }

    [Fact]
    public async Task Validate_RoleLowered_StaysSignedInWithTheNewRole()
    {
        var (provider, principal, workspace) = await OpenTabAsync("admin@acme.test");
        var (acme, _) = await _app.TenantAsync("acme");
        await using (var db = await _app.CreateDbContextAsync())
        {
            var userId = await db.Users.Where(u => u.Email == "admin@acme.test").Select(u => u.Id).SingleAsync();
            await _app.Services.GetRequiredService<TeamManager>().ChangeRoleAsync(acme, userId, Role.Member, FieldCamp.Domain.Audit.Actor.Operator("tests"));
        }

        Assert.True(await provider.ValidateAsync(principal));
        Assert.Equal(Role.Member, workspace.Role);
    }

    private sealed class Fixed(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
