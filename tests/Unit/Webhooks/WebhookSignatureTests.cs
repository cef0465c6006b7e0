using FieldCamp.Domain.Webhooks;

namespace FieldCamp.Tests.Unit.Webhooks;

public sealed class WebhookSignatureTests
{
    // The example every Standard Webhooks library tests itself against.
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void Signs_the_specifications_example_exactly_as_its_libraries_do()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(VectorSecret, VectorId, VectorTimestamp, VectorBody));
    }

    [Fact]
    public void The_whsec_prefix_is_optional_as_in_the_reference_libraries()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(VectorSecret["whsec_".Length..], VectorId, VectorTimestamp, VectorBody));
    }

    [Fact]
    public void During_a_rotation_both_secrets_sign_separated_by_a_space()
    {
        var other = "whsec_" + Convert.ToBase64String(new byte[32]);
        var header = WebhookSignature.Header([VectorSecret, other], VectorId, VectorTimestamp, VectorBody);

        var parts = header.Split(' ');
        Assert.Equal(2, parts.Length);
        Assert.Equal(VectorSignature, parts[0]);
        Assert.Equal(WebhookSignature.Sign(other, VectorId, VectorTimestamp, VectorBody), parts[1]);
        Assert.NotEqual(parts[0], parts[1]);
    }

    [Fact]
    public void A_secret_that_is_not_base64_is_refused_plainly()
    {
        var error = Assert.Throws<ArgumentException>(() => WebhookSignature.Sign("whsec_not base64!", VectorId, VectorTimestamp, VectorBody));
        Assert.Contains("whsec_", error.Message);
    }

    [Fact]
    public void Retries_follow_the_published_schedule_then_give_up()
    {
        var failedAt = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
        TimeSpan[] expected =
        [
            TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30),
            TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10),
        ];
        for (var attempt = 1; attempt <= expected.Length; attempt++)
            Assert.Equal(failedAt + expected[attempt - 1], WebhookDeliveryRules.NextAttemptAt(attempt, failedAt));
        Assert.Null(WebhookDeliveryRules.NextAttemptAt(expected.Length + 1, failedAt));
        Assert.Equal(7, WebhookDeliveryRules.MaxAttempts);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(204, true)]
    [InlineData(299, true)]
    [InlineData(301, false)]
    [InlineData(302, false)]
    [InlineData(410, false)]
    [InlineData(500, false)]
    public void Only_a_2xx_answer_counts_as_delivered(int status, bool success) =>
        Assert.Equal(success, WebhookDeliveryRules.IsSuccess(status));

    [Fact]
    public void An_endpoint_is_disabled_after_three_days_of_failures_straight()
    {
        var since = new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc);
        Assert.False(WebhookDeliveryRules.ShouldDisable(null, since.AddDays(30)));
        Assert.False(WebhookDeliveryRules.ShouldDisable(since, since.AddDays(3).AddSeconds(-1)));
        Assert.True(WebhookDeliveryRules.ShouldDisable(since, since.AddDays(3)));
    }
}
