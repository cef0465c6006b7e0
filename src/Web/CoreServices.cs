using FieldCamp.Web.ApiKeys;
using FieldCamp.Web.Auth;
using FieldCamp.Web.Data;
using FieldCamp.Web.KeyPolicies;
using FieldCamp.Web.Rotation;
using FieldCamp.Web.Scaling;
using FieldCamp.Web.Usage;

namespace FieldCamp.Web;

internal static class CoreServices
{
    /// <summary>What both the web host and the command line need: the store and the key operations.</summary>
    public static IServiceCollection AddFieldCampCore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddSingleton<TimeProvider>(new MicrosecondTimeProvider(TimeProvider.System));
        // The app's instruments (Telemetry/FieldCampMetrics.cs); the SDK that reads them is added only when switched on.
        services.AddMetrics();
        services.AddSingleton<Telemetry.FieldCampMetrics>();
        services.AddAppDatabase(configuration, contentRoot);
        services.Configure<ApiKeyCacheOptions>(configuration.GetSection("ApiKeys:Cache"));
        services.Configure<UsageOptions>(configuration.GetSection("ApiKeys:Usage"));
        services.Configure<KeyRotationSettings>(configuration.GetSection(KeyRotationSettings.Section));
        services.AddSingleton<StoreOutage>();
        // Redis (issue 16), when configured: every key change is announced to the other instances.
        services.AddRedisConnection(configuration);
        services.AddSingleton<KnownDigests>();
        services.AddSingleton<CredentialCache>();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<ApiKeyManager>();
        services.AddSingleton<Teams.TeamManager>();

        services.AddSingleton<RateLimiting.CompanyRateLimits>();
        services.AddSingleton<CompanyKeyPolicies>();
        return services;
    }
}
