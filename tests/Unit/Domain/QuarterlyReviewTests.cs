using FieldCamp.Domain;
using FieldCamp.Domain.Audit;
using FieldCamp.Domain.Oversight;
using static FieldCamp.Tests.Unit.Domain.KeyTestData;

namespace FieldCamp.Tests.Unit.Domain;

public class QuarterlyReviewTests
{
    private static readonly Quarter Q1 = Quarter.Containing(Now);

    private static QuarterlyReview Opened(params string[] keyIds) =>
        QuarterlyReview.Open("co_acme", Q1, keyIds.Select((id, i) => new ReviewedKey(id, i % 2 == 0 ? "br_north" : "br_south", $"key {id}", ["jobs:read"])),
            Alice, Now);

    [Fact]
    public void Open_TakesEachKeyOnceWithItsNameAndScopes()
    {
        var review = Opened("key_1", "key_2", "key_1");

        Assert.Equal(2, review.Items.Count);
        Assert.Equal("key key_1", review.Items[0].KeyName);
        Assert.Equal(["jobs:read"], review.Items[0].Scopes);
        Assert.Equal((2026, 1), (review.Year, review.Number));
        Assert.Equal(0, review.DecidedCount);
        Assert.Empty(review.TakeAuditEvents());
    }

    [Fact]
    public void Decide_RecordsTheDecisionNoteAndAnEventForTheKeysBranch()
    {
        var review = Opened("key_1", "key_2");

        review.Decide("key_2", ReviewDecision.Narrow, "  only reads jobs  ", Alice, Now);

        var item = review.Items.Single(i => i.ApiKeyId == "key_2");
        Assert.Equal(ReviewDecision.Narrow, item.Decision);
        Assert.Equal("only reads jobs", item.Note);
        Assert.Equal(Now, item.DecidedAt);
        Assert.Equal("alice@example.com", item.DecidedBy!.Name);
        var recorded = Assert.Single(review.TakeAuditEvents());
        Assert.Equal(AuditEventType.AuditDecisionRecorded, recorded.Type);
        Assert.Equal(("co_acme", "br_south", "key_2"), (recorded.CompanyId, recorded.BranchId, recorded.ApiKeyId));
        Assert.Equal("203.0.113.7", recorded.Actor.Ip);
        Assert.Contains(new AuditChange("decision", null, "narrow"), recorded.Changes);
        Assert.Contains(new AuditChange("note", null, "only reads jobs"), recorded.Changes);
    }

    [Fact]
    public void Decide_Again_ChangesTheDecisionAndRecordsBeforeAndAfter()
    {
        var review = Opened("key_1");
        review.Decide("key_1", ReviewDecision.Keep, null, Alice, Now);
        review.TakeAuditEvents();

        review.Decide("key_1", ReviewDecision.Revoke, null, Bob, Now.AddMinutes(1));

        Assert.Equal(ReviewDecision.Revoke, review.Items[0].Decision);
        Assert.Contains(new AuditChange("decision", "keep", "revoke"), Assert.Single(review.TakeAuditEvents()).Changes);
    }

    [Fact]
    public void Decide_KeyNotInTheReview_Throws()
    {
        var review = Opened("key_1");

        Assert.Throws<DomainException>(() => review.Decide("key_created_later", ReviewDecision.Keep, null, Alice, Now));
    }

    [Fact]
    public void Decide_NoteTooLong_ThrowsValidation()
    {
        var review = Opened("key_1");

        var error = Assert.Throws<DomainValidationException>(() => review.Decide("key_1", ReviewDecision.Keep, new string('x', 501), Alice, Now));
        Assert.Contains("note", error.Errors.Keys);
    }

    [Fact]
    public void Complete_WithAKeyUndecided_ThrowsAndSaysHowMany()
    {
        var review = Opened("key_1", "key_2", "key_3");
        review.Decide("key_1", ReviewDecision.Keep, null, Alice, Now);

        Assert.False(review.CanComplete);
        var error = Assert.Throws<DomainException>(() => review.Complete(Alice, Now));
        Assert.Contains("2 of 3 keys", error.Message);
        Assert.False(review.IsComplete);
    }

    [Fact]
    public void Complete_EveryKeyDecided_RecordsWhoAndWhenAndACompanyWideEvent()
    {
        var review = Opened("key_1", "key_2", "key_3", "key_4");
        review.Decide("key_1", ReviewDecision.Keep, null, Alice, Now);
        review.Decide("key_2", ReviewDecision.Narrow, null, Alice, Now);
        review.Decide("key_3", ReviewDecision.Rotate, null, Alice, Now);
        review.Decide("key_4", ReviewDecision.Revoke, null, Alice, Now);
        review.TakeAuditEvents();
        Assert.True(review.CanComplete);

        review.Complete(Bob, Now.AddHours(1));

        Assert.True(review.IsComplete);
        Assert.Equal(Now.AddHours(1), review.CompletedAt);
        Assert.Equal("bob@example.com", review.CompletedBy!.Name);
        Assert.Equal(new ReviewSummary(4, 4, 1, 1, 1, 1), review.Summary);
        var completed = Assert.Single(review.TakeAuditEvents());
        Assert.Equal(AuditEventType.AuditQuarterCompleted, completed.Type);
        Assert.Null(completed.BranchId);
        Assert.Null(completed.ApiKeyId);
        Assert.Contains(new AuditChange("quarter", null, "2026-Q1"), completed.Changes);
    }

    [Fact]
    public void Complete_EmptyReview_IsAllowed()
    {
        var review = Opened();

        review.Complete(Alice, Now);

        Assert.True(review.IsComplete);
    }

    [Fact]
    public void AfterCompletion_DecideAndCompleteAgain_Throw()
    {
        var review = Opened("key_1");
        review.Decide("key_1", ReviewDecision.Keep, null, Alice, Now);
        review.Complete(Alice, Now);
        review.TakeAuditEvents();

        Assert.Throws<DomainException>(() => review.Decide("key_1", ReviewDecision.Revoke, null, Alice, Now));
        Assert.Throws<DomainException>(() => review.Complete(Alice, Now));
        Assert.Equal(ReviewDecision.Keep, review.Items[0].Decision);
        Assert.Empty(review.TakeAuditEvents());
    }
}
