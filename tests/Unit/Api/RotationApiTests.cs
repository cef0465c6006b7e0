using System.Net;
using System.Text.Json;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Rotation;
using FieldCamp.Tests.Unit.Domain;
using FieldCamp.Web.Rotation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FieldCamp.Tests.Unit.Api;

/// <summary>
/// <c>POST /api/v1/api-keys/{id}/rotate</c> with its rotation options, the rotation record it opens
/// (<c>/api/v1/key-rotations/{id}</c>), and the job that revokes an idle old key by itself.
/// </summary>
public sealed class RotationApiTests(AppFactory app) : IClassFixture<AppFactory>
{
    private const string Keys = "/api/v1/api-keys";
    private const string Rotations = "/api/v1/key-rotations";

    private Task<TestKey> AdminAsync(string company = "acme", string? branch = null) =>
        app.CreateKeyAsync(company, branch, ["*"], AppFactory.UniqueName("admin"));

    private static async Task<JsonElement> RotateAsync(HttpClient client, string keyId, object? body = null) =>
        await client.PostAsync($"{Keys}/{keyId}/rotate", body is null ? null : Http.Json(body)).ExpectAsync(HttpStatusCode.Created);

    /// <summary>Polls until the usage writer has noted the replacement's first use on the rotation.</summary>
    private static async Task<JsonElement> WaitForFirstUseAsync(HttpClient client, string rotationId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var rotation = await client.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
            if (!rotation.IsNull("replacementFirstUsedAt")) return rotation;
            Assert.True(DateTime.UtcNow < deadline, "The replacement's first use was never noted.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task RotateKey_Default_201WithRotationIdAndActiveRotationAtMintStep()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync(expiresAt: DateTime.UtcNow.AddDays(30));

        var rotated = await RotateAsync(client, target.Id);

        var rotationId = rotated.GetProperty("rotationId").GetString()!;
        Assert.StartsWith("rot_", rotationId);
        var rotation = await client.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(target.Id, rotation.GetProperty("oldKeyId").GetString());
        Assert.Equal(rotated.GetProperty("id").GetString(), rotation.GetProperty("replacementKeyId").GetString());
        Assert.Equal("mint", rotation.GetProperty("step").GetString());
        Assert.Equal("active", rotation.GetProperty("status").GetString());
        Assert.Equal("api_key", rotation.GetProperty("startedBy").GetProperty("type").GetString());
        Assert.True(rotation.IsNull("autoRevokeWhenIdleHours"));
        Assert.True(rotation.IsNull("replacementFirstUsedAt"));
        Assert.Equal(0, rotation.GetProperty("checklist").GetArrayLength());
        // Metadata of a key is never a secret: the plain GET has no rotation id or key.
        var replacement = await client.GetAsync($"{Keys}/{rotated.GetProperty("id").GetString()}").ExpectAsync(HttpStatusCode.OK);
        Assert.False(replacement.TryGetProperty("key", out _));
        Assert.False(replacement.TryGetProperty("rotationId", out _));
    }

    [Fact]
    public async Task RotateKey_TheReplacementOfARunningRotation_409InvalidState()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        var rotated = await RotateAsync(client, target.Id);

        await client.PostAsync($"{Keys}/{rotated.GetProperty("id").GetString()}/rotate", null)
            .ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LeakReport_OnEitherKeyOfARotation_EndsTheRotationAsARevokeWould(bool replacementLeaks)
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        var rotated = await RotateAsync(client, target.Id);
        var rotationId = rotated.GetProperty("rotationId").GetString()!;
        var leakedId = replacementLeaks ? rotated.GetProperty("id").GetString()! : target.Id;

        var incidents = app.Services.GetRequiredService<FieldCamp.Web.Incidents.IncidentManager>();
        await incidents.ReportAsync(new FieldCamp.Web.ApiKeys.KeyScope(target.CompanyId, target.BranchId), leakedId,
            Actor.Person("user_x", "admin@acme.test", null));

        var rotation = await client.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(replacementLeaks ? "cancelled" : "completed", rotation.GetProperty("status").GetString());
        // Cancelling the rotation must not revoke the key that still works.
        await client.PostAsync($"{Rotations}/{rotationId}/cancel", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        var survivor = replacementLeaks ? target.Secret : rotated.GetProperty("key").GetString()!;
        using var survivorClient = app.CreateClient(survivor);
        await survivorClient.GetAsync("/api/v1/clients").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RotateKey_OverlapStartsOnFirstUse_OldExpiryUnchangedUntilReplacementIsUsed()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var expiry = DateTime.UtcNow.AddDays(30);
        var target = await app.CreateKeyAsync(expiresAt: expiry);

        var rotated = await RotateAsync(client, target.Id, new { oldKeyExpiresInHours = 2, overlapStartsOnFirstUse = true });
        var rotationId = rotated.GetProperty("rotationId").GetString()!;

        var old = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.InRange(old.GetProperty("expiresAt").GetDateTime().ToUniversalTime(), expiry.AddSeconds(-1), expiry.AddSeconds(1));
        var rotation = await client.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(2, rotation.GetProperty("overlapHoursFromFirstUse").GetInt32());

        // The integration switches over: its first request with the new key starts the old key's two hours.
        using var newClient = app.CreateClient(rotated.GetProperty("key").GetString()!);
        newClient.DefaultRequestHeaders.UserAgent.ParseAdd("deploy-check/1.0");
        var used = DateTime.UtcNow;
        await newClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        rotation = await WaitForFirstUseAsync(client, rotationId);

        Assert.Equal("deploy-check/1.0", await FirstUseAgentAsync(rotationId));
        old = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        var cutoff = old.GetProperty("expiresAt").GetDateTime().ToUniversalTime();
        Assert.InRange(cutoff, used.AddHours(2).AddSeconds(-2), DateTime.UtcNow.AddHours(2).AddSeconds(2));
        // Both keys still work, mid-way.
        using var oldClient = app.CreateClient(target.Secret);
        await oldClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await using var db = await app.CreateDbContextAsync();
        var shortened = await db.AuditEvents.SingleAsync(e => e.ApiKeyId == target.Id && e.Type == AuditEventType.ApiKeyUpdated);
        Assert.Equal(KeyRotation.SystemActor, shortened.Actor);
    }

    private async Task<string?> FirstUseAgentAsync(string rotationId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.KeyRotations.Where(r => r.Id == rotationId).Select(r => r.ReplacementFirstUsedUserAgent).SingleAsync();
    }

    [Fact]
    public async Task RotateKey_OverlapStartsOnFirstUseWithoutHours_400NamingTheField()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        var problem = await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { overlapStartsOnFirstUse = true }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("overlapStartsOnFirstUse", out _));
    }

    [Fact]
    public async Task RotateKey_AutoRevokeWhenIdleHours_StoredOnTheRotation()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        var rotated = await RotateAsync(client, target.Id, new { autoRevokeWhenIdleHours = 12 });

        var rotation = await client.GetAsync($"{Rotations}/{rotated.GetProperty("rotationId").GetString()}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(12, rotation.GetProperty("autoRevokeWhenIdleHours").GetInt32());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(721)]
    public async Task RotateKey_AutoRevokeOutOfRange_400AndNotRotated(int hours)
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();

        var problem = await client.PostAsync($"{Keys}/{target.Id}/rotate", Http.Json(new { autoRevokeWhenIdleHours = hours }))
            .ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        Assert.True(problem.GetProperty("errors").TryGetProperty("autoRevokeWhenIdleHours", out _));
        var old = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(old.IsNull("replacedByKeyId"));
    }

    [Fact]
    public async Task RotateKey_Revoked_409InvalidState()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        (await client.DeleteAsync($"{Keys}/{target.Id}")).EnsureSuccessStatusCode();

        await client.PostAsync($"{Keys}/{target.Id}/rotate", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
    }

    [Fact]
    public async Task RotateKey_Expired_409InvalidState()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var (companyId, branchId) = await app.TenantAsync();
        var createdAt = DateTime.UtcNow.AddDays(-10);
        var (expired, _) = ApiKey.Create(companyId, branchId, new NewApiKey(AppFactory.UniqueName("expired"), ["clients:read"], createdAt.AddDays(1)),
            Actor.Operator("tests"), createdAt);
        await app.SaveKeyAsync(expired);

        await client.PostAsync($"{Keys}/{expired.Id}/rotate", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
    }

    [Fact]
    public async Task RotateKey_AlreadyRotating_409InvalidStateAndOneActiveRotation()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        await RotateAsync(client, target.Id);

        var problem = await client.PostAsync($"{Keys}/{target.Id}/rotate", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");

        Assert.Contains("rotat", problem.GetProperty("detail").GetString());
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.KeyRotations.CountAsync(r => r.OldKeyId == target.Id));
    }

    [Fact]
    public async Task CancelRotation_RevokesReplacement_OldKeyWorksAndCanBeRotatedAgain()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        var rotated = await RotateAsync(client, target.Id, new { oldKeyExpiresInHours = 24 });
        var rotationId = rotated.GetProperty("rotationId").GetString()!;

        var cancelled = await client.PostAsync($"{Rotations}/{rotationId}/cancel", null).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal("api_key", cancelled.GetProperty("endedBy").GetProperty("type").GetString());
        using var newClient = app.CreateClient(rotated.GetProperty("key").GetString()!);
        await newClient.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        var old = await client.GetAsync($"{Keys}/{target.Id}").ExpectAsync(HttpStatusCode.OK);
        Assert.True(old.IsNull("replacedByKeyId"));
        Assert.True(old.IsNull("expiresAt"), "The overlap's cutoff is undone: the key had no expiry before.");
        using var oldClient = app.CreateClient(target.Secret);
        await oldClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await client.PostAsync($"{Rotations}/{rotationId}/cancel", null).ExpectProblemAsync(HttpStatusCode.Conflict, "invalid_state");
        await RotateAsync(client, target.Id);
        await using var db = await app.CreateDbContextAsync();
        Assert.True(await db.AuditEvents.AnyAsync(e => e.ApiKeyId == target.Id && e.Type == AuditEventType.RotationCancelled));
    }

    [Fact]
    public async Task RevokeOldKeyByApi_CompletesTheRotation()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync();
        var rotationId = (await RotateAsync(client, target.Id)).GetProperty("rotationId").GetString()!;

        (await client.DeleteAsync($"{Keys}/{target.Id}")).EnsureSuccessStatusCode();

        var rotation = await client.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("completed", rotation.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("globex", null)]
    [InlineData("acme", "South")]
    public async Task Rotation_OfAnotherTenant_404ForReadAndCancel(string company, string? branch)
    {
        var theirAdmin = await AdminAsync(company, branch);
        using var theirs = app.CreateClient(theirAdmin.Secret);
        var theirKey = await app.CreateKeyAsync(company, branch);
        var rotationId = (await RotateAsync(theirs, theirKey.Id)).GetProperty("rotationId").GetString()!;
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);

        await client.GetAsync($"{Rotations}/{rotationId}").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await client.PostAsync($"{Rotations}/{rotationId}/cancel", null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        await client.PostAsync($"{Keys}/{theirKey.Id}/rotate", null).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var still = await theirs.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("active", still.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancelRotation_ByNarrowerKey_403AndStillActive()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);
        var target = await app.CreateKeyAsync(scopes: ["*"]);
        var rotationId = (await RotateAsync(client, target.Id)).GetProperty("rotationId").GetString()!;
        var narrow = await app.CreateKeyAsync(scopes: ["api-keys:manage"]);
        using var narrowClient = app.CreateClient(narrow.Secret);

        await narrowClient.PostAsync($"{Rotations}/{rotationId}/cancel", null).ExpectProblemAsync(HttpStatusCode.Forbidden, "insufficient_scope");

        var rotation = await client.GetAsync($"{Rotations}/{rotationId}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("active", rotation.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Rotation_UnknownId_404()
    {
        var admin = await AdminAsync();
        using var client = app.CreateClient(admin.Secret);

        await client.GetAsync($"{Rotations}/rot_doesnotexist").ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}

/// <summary>The rotation job on its own app, with a clock the test moves.</summary>
public sealed class RotationJobTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly AppFactory _app;

    public RotationJobTests()
    {
        _app = new AppFactory { Clock = _clock };
        // The test runs the job by hand; the hosted copy waits far longer than the test lasts.
        _app.Settings["ApiKeys:Rotation:CheckInterval"] = "01:00:00";
    }

    public void Dispose() => _app.Dispose();

    private async Task<(TestKey Old, string ReplacementSecret, string RotationId, HttpClient Admin)> RotateAsync(object body)
    {
        var admin = await _app.CreateKeyAsync(scopes: ["*"], name: AppFactory.UniqueName("admin"));
        var client = _app.CreateClient(admin.Secret);
        var old = await _app.CreateKeyAsync();
        var rotated = await client.PostAsync($"/api/v1/api-keys/{old.Id}/rotate", Http.Json(body)).ExpectAsync(HttpStatusCode.Created);
        return (old, rotated.GetProperty("key").GetString()!, rotated.GetProperty("rotationId").GetString()!, client);
    }

    private async Task WaitForFirstUseAsync(string rotationId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            await using var db = await _app.CreateDbContextAsync();
            if (await db.KeyRotations.AnyAsync(r => r.Id == rotationId && r.ReplacementFirstUsedAt != null)) return;
            Assert.True(DateTime.UtcNow < deadline, "The replacement's first use was never noted.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task RunOnce_NewKeySeenAndOldIdleTheChosenHours_RevokesOldKeyAsTheSystem()
    {
        var (old, replacementSecret, rotationId, admin) = await RotateAsync(new { autoRevokeWhenIdleHours = 2 });
        using var _ = admin;
        using var newClient = _app.CreateClient(replacementSecret);
        using var oldClient = _app.CreateClient(old.Secret);
        var job = _app.Services.GetRequiredService<RotationJob>();

        // Idle long enough, but the new key has not been seen: nothing happens.
        _clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await job.RunOnceAsync());
        await oldClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);

        await newClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await WaitForFirstUseAsync(rotationId);
        // The old key was just used (above): it has to go quiet for the chosen hours first.
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await job.RunOnceAsync());

        _clock.Advance(TimeSpan.FromHours(1.5));
        // A new instance, as after a restart: all it needs is in the database.
        var restarted = ActivatorUtilities.CreateInstance<RotationJob>(_app.Services);
        Assert.Equal(1, await restarted.RunOnceAsync());
        Assert.Equal(0, await job.RunOnceAsync());

        await oldClient.GetAsync("/api/v1/company-info").ExpectProblemAsync(HttpStatusCode.Unauthorized, "key_revoked");
        await newClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await using var db = await _app.CreateDbContextAsync();
        var revoked = await db.AuditEvents.SingleAsync(e => e.ApiKeyId == old.Id && e.Type == AuditEventType.ApiKeyRevoked);
        Assert.Equal(ActorType.System, revoked.Actor.Type);
        Assert.Equal("rotation", revoked.Actor.Id);
        var rotation = await db.KeyRotations.SingleAsync(r => r.Id == rotationId);
        Assert.Equal(RotationStep.Completed, rotation.Step);
        Assert.Equal("rotation", rotation.EndedBy!.Id);
    }

    [Fact]
    public async Task RunOnce_NoAutoRevokeChosen_LeavesOldKey_ClosesRotationOnceOverlapEnds()
    {
        var (old, replacementSecret, rotationId, admin) = await RotateAsync(new { oldKeyExpiresInHours = 5 });
        using var _ = admin;
        using var newClient = _app.CreateClient(replacementSecret);
        await newClient.GetAsync("/api/v1/company-info").ExpectAsync(HttpStatusCode.OK);
        await WaitForFirstUseAsync(rotationId);
        var job = _app.Services.GetRequiredService<RotationJob>();

        _clock.Advance(TimeSpan.FromHours(4));
        Assert.Equal(0, await job.RunOnceAsync());
        await using (var db = await _app.CreateDbContextAsync())
            Assert.Equal(RotationStep.Minted, (await db.KeyRotations.SingleAsync(r => r.Id == rotationId)).Step);

        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await job.RunOnceAsync());
        await using (var db = await _app.CreateDbContextAsync())
        {
            Assert.Equal(RotationStep.Completed, (await db.KeyRotations.SingleAsync(r => r.Id == rotationId)).Step);
            Assert.Null((await db.ApiKeys.SingleAsync(k => k.Id == old.Id)).RevokedAt);
        }
    }
}
