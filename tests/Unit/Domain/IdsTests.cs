using FieldCamp.Domain;

namespace FieldCamp.Tests.Unit.Domain;

public class IdsTests
{
    private static readonly DateTime Now = new(2026, 3, 2, 9, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void New_KeyPrefix_StartsWithPrefixAndUnderscore()
    {
        var id = Ids.New("key", Now);

        Assert.StartsWith("key_", id, StringComparison.Ordinal);
    }

    [Fact]
    public void New_Always_HasEightTimeDigitsAndElevenRandomBase62Digits()
    {
        var id = Ids.New("key", Now);

        Assert.Equal("key_".Length + 8 + 11, id.Length);
        Assert.All(id["key_".Length..], c => Assert.True(char.IsAsciiLetterOrDigit(c), $"'{c}' in {id}"));
    }

    [Fact]
    public void New_CalledManyTimes_NeverThrowsAndNeverRepeats()
    {
        // Every call must succeed, whatever random bytes come up.
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 2_000; i++)
            Assert.True(ids.Add(Ids.New("key", Now)));
    }

    [Fact]
    public void New_SameMillisecond_SharesTheTimePart()
    {
        var first = Ids.New("key", Now);
        var second = Ids.New("key", Now.AddTicks(1));

        Assert.Equal(first[..("key_".Length + 8)], second[..("key_".Length + 8)]);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData(1L)]              // one millisecond apart
    [InlineData(61L)]
    [InlineData(62L)]             // the carry into the next digit
    [InlineData(1_000L)]
    [InlineData(86_400_000L)]     // a day
    [InlineData(31_536_000_000L)] // a year
    public void New_LaterCreationTime_SortsAfterAsOrdinalString(long millisecondsLater)
    {
        for (var i = 0; i < 50; i++)
        {
            var earlier = Ids.New("key", Now);
            var later = Ids.New("key", Now.AddMilliseconds(millisecondsLater));

            Assert.True(string.CompareOrdinal(earlier, later) < 0, $"{earlier} should sort before {later}");
        }
    }

    [Fact]
    public void New_IdsCreatedOverTime_OrdinalSortEqualsCreationOrder()
    {
        var random = new Random(1234);
        var times = Enumerable.Range(0, 200)
            .Select(_ => Now.AddMilliseconds(random.NextInt64(0, 10L * 365 * 86_400_000)))
            .Distinct()
            .ToList();
        var ids = times.Select(t => (Time: t, Id: Ids.New("key", t))).ToList();

        var byId = ids.OrderBy(x => x.Id, StringComparer.Ordinal).Select(x => x.Time);
        var byTime = ids.OrderBy(x => x.Time).Select(x => x.Time);

        Assert.Equal(byTime, byId);
    }
}
