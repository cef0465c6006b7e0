using System.Net;
using FieldCamp.Web.Webhooks;

namespace FieldCamp.Tests.Unit.Webhooks;

public sealed class WebhookTargetsTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("0.0.0.0")]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.254")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("100.127.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fe80::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a9fe:a9fe")]
    [InlineData("2002:7f00:1::1")]
    [InlineData("192.0.2.2")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.5")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:0:4136:e378:8000:63bf:80ff:fffe")]
    [InlineData("::ffff:0:7f00:1")]
    [InlineData("64:ff9b:1::a00:1")]
    [InlineData("100::")]
    [InlineData("100::1")]
    [InlineData("100::ffff:ffff:ffff:ffff")]
    public void Internal_addresses_are_refused(string address) =>
        Assert.True(WebhookTargets.IsRefused(IPAddress.Parse(address)), $"{address} should be refused");

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("172.15.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("192.169.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.False(WebhookTargets.IsRefused(IPAddress.Parse(address)), $"{address} should be allowed");

    [Fact]
    public void Every_address_of_this_machine_counts_as_its_own_and_others_do_not()
    {
        var own = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address).ToList();
        Assert.NotEmpty(own);
        Assert.All(own, address => Assert.True(WebhookTargets.IsThisMachine(address), $"{address} is this machine's"));
        Assert.False(WebhookTargets.IsThisMachine(IPAddress.Parse("8.8.8.8")));
    }

    [Theory]
    [InlineData("http://hooks.example.com/in", "https://")]
    [InlineData("https://10.0.0.7/in", "private")]
    [InlineData("https://127.0.0.1:8443/in", "loopback")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "metadata")]
    [InlineData("https://[::1]/in", "loopback")]
    [InlineData("ftp://hooks.example.com/in", "https://")]
    [InlineData("/relative", "https://")]
    [InlineData("https://①②⑦.0.0.1/in", "127.0.0.1 is a loopback address")]
    [InlineData("https://127.0.0.1./in", "loopback")]
    [InlineData("https://[100::1]/in", "100::1 is a discard-only address")]
    [InlineData("https://0.0.0.0/in", "0.0.0.0 is an unspecified address")]
    public void Urls_that_can_never_be_targets_say_why(string url, string reason)
    {
        var refusal = WebhookTargets.CheckUrl(url, allowInsecure: false);
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal);
    }

    [Theory]
    [InlineData("https://①②⑦.0.0.1/in")]
    [InlineData("https://[100::1]/in")]
    public void Registration_refuses_what_the_sender_would(string url)
    {
        Assert.NotNull(WebhookTargets.CheckUrl(url, allowInsecure: false));
        Assert.NotNull(WebhookTargets.Problem(url, allowInsecure: false));
    }

    [Fact]
    public void A_public_https_url_passes_and_insecure_targets_open_http_and_loopback()
    {
        Assert.Null(WebhookTargets.CheckUrl("https://hooks.example.com/in", allowInsecure: false));
        Assert.Null(WebhookTargets.CheckUrl("http://127.0.0.1:5000/in", allowInsecure: true));
    }
}
