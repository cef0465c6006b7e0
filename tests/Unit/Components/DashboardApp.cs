using System.Security.Claims;
using Bunit;
using FieldCamp.Domain.Notices;
using FieldCamp.Web;
using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Dashboard;
using FieldCamp.Web.Data;
using FieldCamp.Web.Notices;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FieldCamp.Tests.Unit.Components;

/// <summary>
/// The real app (<see cref="AppFactory"/>: Development, demo workspace, its own SQLite file) for the dashboard's
/// services: the pages render in bUnit, but read and change keys through the app's own DbContext factory, key manager
/// and clock. One per test.
/// </summary>
public sealed class DashboardApp : IDisposable
{
    private readonly AppFactory _app;

    /// <param name="interceptors">Added to the app's database context, for tests that slow or watch its queries.</param>
    public DashboardApp(params IInterceptor[] interceptors)
    {
        _app = new AppFactory();
        _app.DbInterceptors.AddRange(interceptors);
    }

    private IServiceProvider Services => _app.Services;

    private IDbContextFactory<AppDbContext> DbFactory => Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    public Task<AppDbContext> CreateDbContextAsync() => _app.CreateDbContextAsync();

    /// <summary>One of the app's own services, for tests that act as something other than a signed-in person.</summary>
    internal T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>The workspace the layout would load for a signed-in demo person (their first branch: Acme North).</summary>
    internal async Task<Workspace> WorkspaceForAsync(string email)
    {
        await using var db = await CreateDbContextAsync();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Email, email), new Claim(ClaimTypes.Name, email)],
            authenticationType: "Test"));
        var workspace = new Workspace(DbFactory, new SignedIn(user), new HttpContextAccessor());
        await workspace.LoadAsync();
        return workspace;
    }

    internal DashboardKeys KeysFor(Workspace workspace) =>
        new(DbFactory, Services.GetRequiredService<ApiKeyManager>(), workspace, Services.GetRequiredService<TimeProvider>());

    internal DashboardIncidents IncidentsFor(Workspace workspace) =>
        new(DbFactory, Services.GetRequiredService<FieldCamp.Web.Incidents.IncidentManager>(),
            Services.GetRequiredService<FieldCamp.Web.Incidents.LeakActivityReader>(), workspace, Services.GetRequiredService<TimeProvider>());

    internal DashboardRotations RotationsFor(Workspace workspace) =>
        new(DbFactory, Services.GetRequiredService<ApiKeyManager>(), workspace, Services.GetRequiredService<TimeProvider>(),
            Services.GetRequiredService<IOptions<FieldCamp.Web.Rotation.KeyRotationSettings>>());

    internal DashboardQuarterlyAudit QuarterlyAuditFor(Workspace workspace, TimeProvider? clock = null) =>
        new(DbFactory, Services.GetRequiredService<ApiKeyManager>(), workspace, clock ?? Services.GetRequiredService<TimeProvider>());

    /// <summary>Registers in a bUnit context what the API Keys pages inject, as the given demo person.</summary>
    internal async Task<(Workspace Workspace, DashboardKeys Keys)> AddDashboardServicesAsync(BunitContext context, string email)
    {
        var workspace = await WorkspaceForAsync(email);
        var keys = KeysFor(workspace);
        context.Services.AddSingleton(workspace);
        context.Services.AddSingleton(keys);
        context.Services.AddSingleton(new NoticeBoard(DbFactory, workspace, Services.GetRequiredService<TimeProvider>()));
        context.Services.AddSingleton(IncidentsFor(workspace));
        context.Services.AddSingleton(RotationsFor(workspace));
        context.Services.AddSingleton(QuarterlyAuditFor(workspace));
        context.Services.AddSingleton(Services.GetRequiredService<TimeProvider>());
        context.Services.AddSingleton(Services.GetRequiredService<FieldCamp.Web.Scaling.ClusterSignals>());
        context.Services.AddSingleton(Services.GetRequiredService<IOptions<RateLimitDefaults>>());
        context.Services.AddSingleton(Services.GetRequiredService<FieldCamp.Web.KeyPolicies.CompanyKeyPolicies>());
        context.Services.AddSingleton(new FieldCamp.Web.KeyPolicies.DashboardKeyPolicy(DbFactory,
            Services.GetRequiredService<FieldCamp.Web.KeyPolicies.CompanyKeyPolicies>(), workspace, Services.GetRequiredService<TimeProvider>()));
        return (workspace, keys);
    }

    /// <summary>Mints a key in a branch of Acme, as an operator would.</summary>
    public Task<TestKey> CreateKeyAsync(string branch, string name) => _app.CreateKeyAsync(branch: branch, name: name);

    /// <summary>Posts a notice about the named demo key, <paramref name="ago"/> before now, as the scheduler would.</summary>
    public async Task<long> PostNoticeAsync(string keyName, NoticeKind kind, string message, TimeSpan ago)
    {
        await using var db = await CreateDbContextAsync();
        var key = await db.ApiKeys.SingleAsync(k => k.Name == keyName);
        var notice = new Notice(key.CompanyId, key.BranchId, key.Id, key.Name, kind, message, $"test:{Guid.NewGuid():N}",
            Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime - ago);
        db.Notices.Add(notice);
        await db.SaveChangesAsync();
        return notice.Id;
    }

    /// <summary>Removes every notice, such as those the scheduler posted for the demo keys when the app started.</summary>
    public async Task ClearNoticesAsync()
    {
        await using var db = await CreateDbContextAsync();
        await db.NoticeReads.ExecuteDeleteAsync();
        await db.Notices.ExecuteDeleteAsync();
    }

    internal ApiKeyManager Manager => Services.GetRequiredService<ApiKeyManager>();

    public async Task<string> KeyIdAsync(string name)
    {
        await using var db = await CreateDbContextAsync();
        return await db.ApiKeys.Where(k => k.Name == name).Select(k => k.Id).SingleAsync();
    }

    public void Dispose() => _app.Dispose();

    private sealed class SignedIn(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
