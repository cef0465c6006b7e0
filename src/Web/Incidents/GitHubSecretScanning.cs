using System.Threading.RateLimiting;
using FieldCamp.Domain.SecretScanning;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Incidents;

/// <summary>Bound from <c>SecretScanning:GitHub</c>.</summary>
public sealed class SecretScanningOptions
{
    public const string Section = "SecretScanning:GitHub";

    /// <summary>The public keys whose signatures are trusted; none (the default) switches the endpoint off.</summary>
    public List<TrustedKeyOptions> PublicKeys { get; set; } = [];

    /// <summary>Reports accepted per minute, all senders together; more are answered 429.</summary>
    public int RequestsPerMinute { get; set; } = 60;

    public sealed class TrustedKeyOptions
    {
        public string Identifier { get; set; } = "";
        public string Pem { get; set; } = "";
    }
}

/// <summary>
/// What the secret scanning endpoint needs for the life of the app: the trusted keys, parsed once at start (a key that
/// does not parse stops the app with its identifier named, rather than failing every report later), and a rate limit
/// of its own, apart from any limit on API keys: the endpoint is called by GitHub, not by a key.
/// </summary>
internal sealed class GitHubSecretScanning : IDisposable
{
    /// <summary>The largest report read; GitHub batches a few tokens per request.</summary>
    public const int MaxBodyBytes = 1024 * 1024;
    public const int MaxTokens = 1000;

    private readonly FixedWindowRateLimiter _limiter;

    public GitHubSecretScanning(IOptions<SecretScanningOptions> options)
    {
        var settings = options.Value;
        Verifier = new SignatureVerifier(settings.PublicKeys
            .Where(k => !string.IsNullOrWhiteSpace(k.Identifier) || !string.IsNullOrWhiteSpace(k.Pem))
            .Select(k => new TrustedPublicKey(k.Identifier, k.Pem)));
        _limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, settings.RequestsPerMinute),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    public SignatureVerifier Verifier { get; }

    public bool IsEnabled => Verifier.HasKeys;

    /// <summary>Takes one request's place in this minute's allowance; false when it is used up.</summary>
    public bool TryAcquire()
    {
        using var lease = _limiter.AttemptAcquire();
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        Verifier.Dispose();
        _limiter.Dispose();
    }
}
