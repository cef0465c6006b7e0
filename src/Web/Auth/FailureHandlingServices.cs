using FieldCamp.Web.Health;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Auth;

internal static class FailureHandlingServices
{
    /// <summary>
    /// Failed credentials (per-address throttle and its summary log), the client address behind a proxy, and the
    /// readiness checks that tell whether the database answers and every key digest has been read.
    /// </summary>
    public static IServiceCollection AddFailureHandling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FailedCredentialOptions>().Bind(configuration.GetSection(FailedCredentialOptions.Section));
        services.AddSingleton<FailedCredentialThrottle>();

        services.AddOptions<ForwardedHeadersSettings>().Bind(configuration.GetSection(ForwardedHeadersSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettingsValidation>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((options, settings) => settings.Value.ApplyTo(options));

        services.AddSingleton<StoreHealthCheck>();
        services.AddHealthChecks().AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, tags: [StoreHealthCheck.ReadyTag])
            .AddCheck<KnownDigestsHealthCheck>(KnownDigestsHealthCheck.Name, tags: [StoreHealthCheck.ReadyTag]);
        // Every key digest, read after start-up: not ready until it is done (KnownDigestsHealthCheck), serving meanwhile.
        services.AddHostedService<KnownDigestsLoader>();
        return services;
    }
}
