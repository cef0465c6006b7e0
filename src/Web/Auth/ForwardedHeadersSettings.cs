using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace FieldCamp.Web.Auth;

/// <summary>
/// Bound from <c>ForwardedHeaders</c>: the reverse proxies whose <c>X-Forwarded-For</c> (and <c>X-Forwarded-Proto</c>)
/// the app believes. Nothing is trusted unless listed: the client address is then the connection's, whatever headers
/// a client sends. The framework's own default (trust loopback) is not kept: a process on the same host could claim
/// any address.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Proxy addresses, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR notation, e.g. <c>10.0.0.0/8</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxy hops are read from the end of <c>X-Forwarded-For</c>; 1 for a single proxy.</summary>
    public int ForwardLimit { get; set; } = 1;

    internal bool TrustsAnyProxy => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>Applies these settings to the framework's options.</summary>
    internal void ApplyTo(ForwardedHeadersOptions options)
    {
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies) options.KnownProxies.Add(IPAddress.Parse(proxy.Trim()));
        foreach (var network in KnownNetworks) options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network.Trim()));
        options.ForwardLimit = ForwardLimit;
        // With both lists empty the middleware would believe every peer, so then it reads no header at all.
        options.ForwardedHeaders = TrustsAnyProxy ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
    }
}

/// <summary>Refuses to start on a proxy entry that does not parse, naming it, rather than silently trusting less.</summary>
internal sealed class ForwardedHeadersSettingsValidation : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var errors = new List<string>();
        foreach (var proxy in options.KnownProxies)
            if (!IPAddress.TryParse(proxy.Trim(), out _))
                errors.Add($"ForwardedHeaders:KnownProxies: '{proxy}' is not an IP address.");
        foreach (var network in options.KnownNetworks)
            if (!System.Net.IPNetwork.TryParse(network.Trim(), out _))
                errors.Add($"ForwardedHeaders:KnownNetworks: '{network}' is not a network in CIDR notation, with the bits past the prefix zero (such as 10.0.0.0/8).");
        if (options.ForwardLimit < 1)
            errors.Add("ForwardedHeaders:ForwardLimit must be at least 1.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
