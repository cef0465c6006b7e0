using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Webhooks;

public static class WebhookDeliveryServices
{
    /// <summary>The delivery engine: the outbox dispatcher, the sender and its HTTP client.</summary>
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookDeliveryOptions>().Bind(configuration.GetSection(WebhookDeliveryOptions.Section))
            .Validate(o => o.PollInterval > TimeSpan.Zero, "Webhooks:Delivery:PollInterval must be positive.")
            .Validate(o => o.MaxConcurrency >= 1, "Webhooks:Delivery:MaxConcurrency must be at least 1.")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "Webhooks:Delivery:AttemptTimeout must be positive.")
            .Validate(o => o.KeepDeliveriesFor > TimeSpan.Zero, "Webhooks:Delivery:KeepDeliveriesFor must be positive.")
            .ValidateOnStart();
        services.AddSingleton<WebhookWakeup>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookRetention>();
        services.AddHostedService(provider => provider.GetRequiredService<WebhookRetention>());
        // An instance may leave delivery to the others: events and deliveries then wait in the database for them.
        if (configuration.GetValue($"{WebhookDeliveryOptions.Section}:{nameof(WebhookDeliveryOptions.Enabled)}", true))
        {
            services.AddHostedService(provider => provider.GetRequiredService<WebhookDispatcher>());
            services.AddHostedService(provider => provider.GetRequiredService<WebhookSender>());
        }

        services.AddHttpClient(WebhookSender.ClientName, client =>
            {
                // The sender sets its own deadline per attempt, on the app's clock.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("FieldCamp-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var targets = provider.GetRequiredService<IOptionsMonitor<WebhookOptions>>();
                return new SocketsHttpHandler
                {
                    // A redirect is a failed attempt: following one would let a receiver send the server anywhere.
                    AllowAutoRedirect = false,
                    // Through a proxy, the connect check would see the proxy's address instead of the receiver's.
                    UseProxy = false,
                    UseCookies = false,
                    ConnectCallback = WebhookTargets.ConnectCallback(() => targets.CurrentValue.AllowInsecureTargets),
                    // Connections are re-checked when they are made; do not keep one to a name's old address for long.
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                };
            })
            // The default request logging writes each URL, and a receiver's URL may carry its own token.
            .RemoveAllLoggers();
        return services;
    }
}
