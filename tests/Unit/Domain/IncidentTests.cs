using FieldCamp.Domain;
using FieldCamp.Domain.ApiKeys;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Incidents;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class IncidentTests
{
    private static readonly DateTime Later = Now.AddMinutes(5);

    private static (ApiKey Key, Incident Incident) Opened()
    {
        var key = CreateQuiet(Now.AddDays(-10));
        var incident = Incident.Open(key, IncidentSource.Manual, Alice, Now);
        key.TakeAuditEvents();
        incident.TakeAuditEvents();
        return (key, incident);
    }

    private static Incident AtChecklist()
    {
        var (_, incident) = Opened();
        incident.RecordActivity("{}", Alice, Now);
        incident.SkipReplacement(Alice, Now);
        incident.TakeAuditEvents();
        return incident;
    }

    [Fact]
    public void Open_LiveKey_RevokesItFirstAndRecordsBoth()
    {
        var key = CreateQuiet(Now.AddDays(-10));

        var incident = Incident.Open(key, IncidentSource.Manual, Alice, Now);

        Assert.Equal(Now, key.RevokedAt);
        Assert.Equal(Alice.Id, key.RevokedBy!.Id);
        Assert.False(key.IsUsableAt(Now));
        Assert.Equal(AuditEventType.ApiKeyRevoked, Assert.Single(key.TakeAuditEvents()).Type);
        Assert.StartsWith("inc_", incident.Id);
        Assert.Equal((key.Id, key.Name, key.CompanyId, key.BranchId), (incident.ApiKeyId, incident.KeyName, incident.CompanyId, incident.BranchId));
        Assert.Equal(IncidentStep.ReviewActivity, incident.Step);
        Assert.True(incident.IsOpen);
        Assert.Null(incident.ReportedBy.Ip); // where a person sat is the audit trail's business, not the incident's
        var opened = Assert.Single(incident.TakeAuditEvents());
        Assert.Equal(AuditEventType.IncidentOpened, opened.Type);
        Assert.Equal(key.Id, opened.ApiKeyId);
        Assert.Contains(opened.Changes, c => c.Field == "incident" && c.To == incident.Id);
    }

    [Fact]
    public void Open_AlreadyRevokedKey_KeepsTheFirstRevocation()
    {
        var key = CreateQuiet(Now.AddDays(-10));
        key.Revoke(Bob, Now.AddMinutes(-1));
        key.TakeAuditEvents();

        var incident = Incident.Open(key, IncidentSource.Manual, Alice, Now);

        Assert.Equal(Now.AddMinutes(-1), key.RevokedAt);
        Assert.Equal(Bob.Id, key.RevokedBy!.Id);
        Assert.Empty(key.TakeAuditEvents());
        Assert.Equal(IncidentStep.ReviewActivity, incident.Step);
    }

    [Fact]
    public void Open_BySecretScanning_KeepsTheUrlAndTheScanner()
    {
        var key = CreateQuiet(Now.AddDays(-10));

        var incident = Incident.Open(key, IncidentSource.SecretScanning, Actor.SecretScanning, Now, "https://github.com/o/r/blob/abc/.env");

        Assert.Equal(IncidentSource.SecretScanning, incident.Source);
        Assert.Equal("secret scanning", incident.ReportedBy.Name);
        Assert.Equal("secret scanning", key.RevokedBy!.Name);
        Assert.Equal("https://github.com/o/r/blob/abc/.env", incident.ReportedUrl);
        Assert.Contains(incident.TakeAuditEvents().Single().Changes, c => c.Field == "url" && c.To == incident.ReportedUrl);
    }

    [Fact]
    public void Open_VeryLongUrl_IsCut()
    {
        var key = CreateQuiet(Now.AddDays(-10));
        var incident = Incident.Open(key, IncidentSource.SecretScanning, Actor.SecretScanning, Now, "https://x/" + new string('a', 5000));
        Assert.Equal(Incident.UrlMaxLength, incident.ReportedUrl!.Length);
    }

    [Fact]
    public void RecordActivity_Reviewed_MovesToReplaceAndKeepsTheSummary()
    {
        var (_, incident) = Opened();

        incident.RecordActivity("""{"hours":24}""", Bob, Later);

        Assert.Equal(IncidentStep.Replace, incident.Step);
        Assert.Equal("""{"hours":24}""", incident.ActivitySummary);
        Assert.Equal(Later, incident.ActivityReviewedAt);
        Assert.Equal(AuditEventType.IncidentActivityReviewed, Assert.Single(incident.TakeAuditEvents()).Type);

        // Looked at again (the other window) before choosing a replacement: the last one seen is kept.
        incident.RecordActivity("""{"hours":48}""", Bob, Later.AddMinutes(1));
        Assert.Equal("""{"hours":48}""", incident.ActivitySummary);
    }

    [Fact]
    public void AttachReplacement_AfterReview_NotesItAndMovesToChecklist()
    {
        var (key, incident) = Opened();
        incident.RecordActivity("{}", Alice, Now);
        var (replacement, _) = Create(Later);

        incident.AttachReplacement(replacement, Alice, Later);

        Assert.Equal(replacement.Id, incident.ReplacementKeyId);
        Assert.Equal(IncidentStep.Checklist, incident.Step);
        Assert.Contains(incident.TakeAuditEvents(), e => e.Type == AuditEventType.IncidentReplacementIssued
            && e.ApiKeyId == key.Id && e.Changes.Any(c => c.Field == "replacement" && c.To == replacement.Id));
        // One replacement per incident, and no going back to the activity.
        Assert.Throws<DomainException>(() => incident.AttachReplacement(Create(Later).Key, Alice, Later));
        Assert.Throws<DomainException>(() => incident.RecordActivity("{}", Alice, Later));
    }

    [Fact]
    public void AttachReplacement_BeforeReview_IsRefused()
    {
        var (_, incident) = Opened();
        Assert.Throws<DomainException>(() => incident.AttachReplacement(Create(Later).Key, Alice, Later));
        Assert.Throws<DomainException>(() => incident.SkipReplacement(Alice, Later));
        Assert.Null(incident.ReplacementKeyId);
        Assert.Equal(IncidentStep.ReviewActivity, incident.Step);
    }

    [Fact]
    public void AttachReplacement_KeyOfAnotherBranch_IsRefused()
    {
        var (_, incident) = Opened();
        incident.RecordActivity("{}", Alice, Now);
        var (elsewhere, _) = ApiKey.Create(CompanyId, "br_other", Spec(), Alice, Later);
        Assert.Throws<DomainException>(() => incident.AttachReplacement(elsewhere, Alice, Later));
    }

    [Fact]
    public void Tick_EachItem_KeepsTimeAndPersonInChecklistOrder()
    {
        var incident = AtChecklist();

        incident.Tick("cached-copies", true, Bob, Later);
        incident.Tick("secrets-manager", true, Alice, Later.AddMinutes(1));

        Assert.Equal(["secrets-manager", "cached-copies"], incident.Ticks.Select(t => t.Item));
        var tick = incident.Ticks.Single(t => t.Item == "cached-copies");
        Assert.Equal((Later, Bob.Id, (string?)null), (tick.At, tick.By.Id, tick.By.Ip));
        Assert.True(incident.IsTicked("secrets-manager"));
        Assert.False(incident.ChecklistDone);

        incident.Tick("cached-copies", false, Bob, Later);
        Assert.False(incident.IsTicked("cached-copies"));
    }

    [Fact]
    public void Tick_UnknownItemOrBeforeChecklist_IsRefused()
    {
        Assert.Throws<DomainException>(() => AtChecklist().Tick("shoebox", true, Alice, Later));
        var (_, early) = Opened();
        Assert.Throws<DomainException>(() => early.Tick("ci-variables", true, Alice, Later));
    }

    [Fact]
    public void Close_EverythingTicked_ClosesAndFreezes()
    {
        var incident = AtChecklist();
        foreach (var item in Incident.Checklist) incident.Tick(item.Id, true, Alice, Later);

        incident.Close(Bob, Later.AddMinutes(2));

        Assert.False(incident.IsOpen);
        Assert.Equal(IncidentStep.Closed, incident.Step);
        Assert.Equal((Later.AddMinutes(2), Bob.Id), (incident.ClosedAt!.Value, incident.ClosedBy!.Id));
        Assert.Equal(AuditEventType.IncidentClosed, Assert.Single(incident.TakeAuditEvents()).Type);
        Assert.Throws<DomainException>(() => incident.Tick("ci-variables", false, Alice, Later));
        Assert.Throws<DomainException>(() => incident.Close(Alice, Later));
        Assert.Throws<DomainException>(() => incident.RecordActivity("{}", Alice, Later));
    }

    [Fact]
    public void Close_ItemsLeft_IsRefusedNamingThem()
    {
        var incident = AtChecklist();
        foreach (var item in Incident.Checklist.Skip(1)) incident.Tick(item.Id, true, Alice, Later);

        var refused = Assert.Throws<DomainException>(() => incident.Close(Alice, Later));

        Assert.Contains("Secrets manager", refused.Message);
        Assert.True(incident.IsOpen);
    }

    [Fact]
    public void Incident_AuditEvents_NeverHoldTheSecret()
    {
        var (key, secret) = Create(Now.AddDays(-1));
        var incident = Incident.Open(key, IncidentSource.SecretScanning, Actor.SecretScanning, Now, "https://github.com/o/r");
        incident.RecordActivity("{}", Alice, Now);
        var (replacement, replacementSecret) = Create(Now);
        incident.AttachReplacement(replacement, Alice, Now);

        var text = string.Join("\n", incident.TakeAuditEvents().Concat(key.TakeAuditEvents())
            .SelectMany(e => e.Changes.Select(c => $"{c.Field} {c.From} {c.To} {e.Note}")));
        Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain(replacementSecret, text);
    }
}
