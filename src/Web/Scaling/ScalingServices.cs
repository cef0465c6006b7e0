using Microsoft.AspNetCore.Diagnostics;
using FieldCamp.Web.Health;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FieldCamp.Web.Scaling;

internal static class ScalingServices
{
    /// <summary>Every instance (and the command line) protects data under this name, so they read each other's.</summary>
    public const string ApplicationName = "FieldCamp.Console";

    /// <summary>The connection and the change announcements: the web host and the command line alike.</summary>
    public static IServiceCollection AddRedisConnection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.Section))
            .Validate(options => !options.IsConfigured || Parses(options.Configuration!),
                "Redis:Configuration is not a valid StackExchange.Redis configuration string.")
            .Validate(options => options.HeartbeatInterval >= TimeSpan.FromSeconds(1), "Redis:HeartbeatInterval must be at least a second.")
            .ValidateOnStart();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<ClusterSignals>();
        return services;
    }

    /// <summary>
    /// The web host's share: shared rate limits, instance heartbeats and the subscription, the readiness check and,
    /// with Redis configured, the Data Protection key ring in Redis (sign-in cookies and antiforgery tokens work on
    /// every instance). Without Redis the key ring stays where ASP.NET Core keeps it by default.
    /// </summary>
    public static IServiceCollection AddSeveralInstances(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<SharedRateLimits>();
        services.AddSingleton<InstanceRegistry>();
        if (configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() is not { IsConfigured: true }) return services;

        services.AddHostedService(provider => provider.GetRequiredService<InstanceRegistry>());
        services.AddSingleton<RedisHealthCheck>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(RedisHealthCheck.Name, tags: [StoreHealthCheck.ReadyTag]);
        // The name is set only here: changing it alone would make what an existing installation protected (webhook
        // secrets) unreadable.
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<RedisKeyRing>();
        services.AddOptions<KeyManagementOptions>().Configure<RedisKeyRing>((options, ring) => options.XmlRepository = ring);
        // One instance for the exception handler and the key ring's gate: they share the once-a-minute report.
        services.AddSingleton<RedisOutageExceptionHandler>();
        services.AddSingleton<IExceptionHandler>(provider => provider.GetRequiredService<RedisOutageExceptionHandler>());
        return services;
    }

    /// <summary>With Redis configured: requests that need the key ring wait at <see cref="KeyRingGate"/> until it was read once.</summary>
    public static IApplicationBuilder UseKeyRingGate(this WebApplication app) =>
        app.Services.GetService<RedisKeyRing>() is null ? app : app.UseMiddleware<KeyRingGate>();

    private static bool Parses(string configuration)
    {
        try
        {
            ConfigurationOptions.Parse(configuration);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
