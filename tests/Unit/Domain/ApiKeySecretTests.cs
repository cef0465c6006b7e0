using System.Security.Cryptography;
using System.Text;
using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Domain;

public class ApiKeySecretTests
{
    private const string Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // Checksums computed outside .NET: python3 zlib.crc32 of the ASCII bytes, then written in base62
    // (0-9A-Za-z, most significant digit first, left-padded with '0' to 6 characters) by a Python loop.
    //   fc_live_000...0 (43 zeros)                          crc32 = 3921435053 -> 4HNwOT
    //   fc_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg crc32 =  997417086 -> 15V3kM
    //   fc_live_zzz...z (43 'z')                            crc32 = 2328335116 -> 2XZSKC
    //   fc_live_Xy7Qm2Lp9Rt4Vb8Nc1Zd6Hf3Jk5Gs0Wa2Ee9Tu7Io4P crc32 = 3036258275 -> 3JTpTf
    public static TheoryData<string, string> ZlibChecksums => new()
    {
        { "fc_live_0000000000000000000000000000000000000000000", "4HNwOT" },
        { "fc_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg", "15V3kM" },
        { "fc_live_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "2XZSKC" },
        { "fc_live_Xy7Qm2Lp9Rt4Vb8Nc1Zd6Hf3Jk5Gs0Wa2Ee9Tu7Io4P", "3JTpTf" },
    };

    private const string KnownGoodKey = "fc_live_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg15V3kM";

    [Fact]
    public void Generate_Always_Returns57CharactersWithLivePrefix()
    {
        var secret = ApiKeySecret.Generate();

        Assert.Equal(57, secret.Length);
        Assert.StartsWith("fc_live_", secret, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_Always_UsesOnlyBase62AfterThePrefix()
    {
        for (var i = 0; i < 200; i++)
        {
            var secret = ApiKeySecret.Generate();
            Assert.All(secret["fc_live_".Length..], c => Assert.Contains(c, Base62Alphabet));
        }
    }

    [Fact]
    public void Generate_Always_IsWellFormed()
    {
        for (var i = 0; i < 200; i++)
        {
            var secret = ApiKeySecret.Generate();
            Assert.True(ApiKeySecret.IsWellFormed(secret), secret);
        }
    }

    [Fact]
    public void Generate_ManyTimes_ReturnsDistinctSecrets()
    {
        var secrets = Enumerable.Range(0, 5_000).Select(_ => ApiKeySecret.Generate()).ToList();

        Assert.Equal(secrets.Count, secrets.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Generate_ManyTimes_RandomPartIsNotConstantAtAnyPosition()
    {
        var secrets = Enumerable.Range(0, 500).Select(_ => ApiKeySecret.Generate()).ToList();

        for (var position = "fc_live_".Length; position < 57 - 6; position++)
        {
            var distinct = secrets.Select(s => s[position]).Distinct().Count();
            Assert.True(distinct > 20, $"position {position} took only {distinct} values");
        }
    }

    [Theory]
    [MemberData(nameof(ZlibChecksums))]
    public void Checksum_FixedBody_MatchesZlibCrc32InBase62(string body, string expected)
    {
        Assert.Equal(expected, ApiKeySecret.Checksum(body));
    }

    [Theory]
    [MemberData(nameof(ZlibChecksums))]
    public void IsWellFormed_BodyWithZlibChecksum_ReturnsTrue(string body, string checksum)
    {
        Assert.True(ApiKeySecret.IsWellFormed(body + checksum));
    }

    [Fact]
    public void IsWellFormed_TestPrefix_ReturnsFalse()
    {
        var live = ApiKeySecret.Generate();
        var test = "fc_test_" + live["fc_live_".Length..];

        Assert.False(ApiKeySecret.IsWellFormed(test));
    }

    [Fact]
    public void IsWellFormed_TestPrefixWithItsOwnValidChecksum_ReturnsFalse()
    {
        // The checksum is right for the text, but fc_test_ is not a format this server accepts yet.
        const string body = "fc_test_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg";

        Assert.False(ApiKeySecret.IsWellFormed(body + ApiKeySecret.Checksum(body)));
    }

    [Fact]
    public void IsWellFormed_AnySingleBase62CharacterChanged_ReturnsFalse()
    {
        var secret = ApiKeySecret.Generate();

        for (var position = "fc_live_".Length; position < secret.Length; position++)
        {
            foreach (var replacement in Base62Alphabet.Where(c => c != secret[position]))
            {
                var altered = secret[..position] + replacement + secret[(position + 1)..];
                Assert.False(ApiKeySecret.IsWellFormed(altered), $"changed position {position} to '{replacement}': {altered}");
            }
        }
    }

    [Fact]
    public void IsWellFormed_AnyPrefixCharacterChanged_ReturnsFalse()
    {
        var secret = ApiKeySecret.Generate();

        for (var position = 0; position < "fc_live_".Length; position++)
        {
            var replacement = secret[position] == 'x' ? 'y' : 'x';
            var altered = secret[..position] + replacement + secret[(position + 1)..];
            Assert.False(ApiKeySecret.IsWellFormed(altered), altered);
        }
    }

    [Fact]
    public void IsWellFormed_TwoAdjacentCharactersSwapped_ReturnsFalse()
    {
        var swapped = KnownGoodKey[..20] + KnownGoodKey[21] + KnownGoodKey[20] + KnownGoodKey[22..];

        Assert.True(ApiKeySecret.IsWellFormed(KnownGoodKey));
        Assert.False(ApiKeySecret.IsWellFormed(swapped));
    }

    [Fact]
    public void IsWellFormed_OneCharacterShort_ReturnsFalse()
    {
        var secret = ApiKeySecret.Generate();

        Assert.False(ApiKeySecret.IsWellFormed(secret.AsSpan(0, 56)));
        Assert.False(ApiKeySecret.IsWellFormed(secret.Remove(25, 1)));
    }

    [Fact]
    public void IsWellFormed_OneCharacterLong_ReturnsFalse()
    {
        var secret = ApiKeySecret.Generate();

        Assert.False(ApiKeySecret.IsWellFormed(secret + "0"));
        Assert.False(ApiKeySecret.IsWellFormed(secret.Insert(25, "0")));
    }

    [Theory]
    [InlineData('-')]
    [InlineData('_')]
    [InlineData('+')]
    [InlineData('/')]
    [InlineData('=')]
    [InlineData(' ')]
    [InlineData('\0')]
    public void IsWellFormed_NonBase62AsciiCharacter_ReturnsFalse(char bad)
    {
        Assert.False(ApiKeySecret.IsWellFormed(KnownGoodKey[..30] + bad + KnownGoodKey[31..]));
        Assert.False(ApiKeySecret.IsWellFormed(KnownGoodKey[..^1] + bad));
    }

    [Theory]
    [InlineData('é')]
    [InlineData('٣')] // Arabic-Indic digit three: a digit, but not an ASCII one
    [InlineData('Ａ')] // full-width A
    [InlineData('…')]
    public void IsWellFormed_NonAsciiCharacter_ReturnsFalse(char bad)
    {
        Assert.False(ApiKeySecret.IsWellFormed(KnownGoodKey[..30] + bad + KnownGoodKey[31..]));
        Assert.False(ApiKeySecret.IsWellFormed(KnownGoodKey[..^1] + bad));
    }

    [Fact]
    public void IsWellFormed_NonAsciiCharacterThatAsciiEncodesLikeTheOriginal_ReturnsFalse()
    {
        // Encoding.ASCII turns unknown characters into '?', so make sure nothing can collide that way.
        var withQuestionMark = KnownGoodKey[..30] + '?' + KnownGoodKey[31..];
        var withNonAscii = KnownGoodKey[..30] + 'ß' + KnownGoodKey[31..];

        Assert.False(ApiKeySecret.IsWellFormed(withQuestionMark));
        Assert.False(ApiKeySecret.IsWellFormed(withNonAscii));
    }

    [Fact]
    public void IsWellFormed_EmptyString_ReturnsFalse()
    {
        Assert.False(ApiKeySecret.IsWellFormed(""));
    }

    [Fact]
    public void IsWellFormed_PrefixOnly_ReturnsFalse()
    {
        Assert.False(ApiKeySecret.IsWellFormed("fc_live_"));
    }

    [Fact]
    public void ComputeDigest_KnownKey_MatchesSha256FromPython()
    {
        // python3 -c "import hashlib; print(hashlib.sha256(b'fc_live_0123...15V3kM').hexdigest())"
        const string expected = "64d2b28d4cb3cdfc2d89ea76c19e64026a04614989cf3040fdc58d4e9ea01fe1";

        Assert.Equal(expected, Convert.ToHexStringLower(ApiKeySecret.ComputeDigest(KnownGoodKey)));
    }

    [Fact]
    public void ComputeDigest_GeneratedKey_EqualsSha256OfAsciiBytes()
    {
        var secret = ApiKeySecret.Generate();

        var digest = ApiKeySecret.ComputeDigest(secret);

        Assert.Equal(32, digest.Length);
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(secret)), digest);
    }

    [Fact]
    public void ComputeDigest_SpanOverload_EqualsArrayOverload()
    {
        for (var i = 0; i < 20; i++)
        {
            var secret = ApiKeySecret.Generate();
            var destination = new byte[32];

            ApiKeySecret.ComputeDigest(secret.AsSpan(), destination);

            Assert.Equal(ApiKeySecret.ComputeDigest(secret), destination);
        }
    }

    [Fact]
    public void ComputeDigest_DifferentKeys_GiveDifferentDigests()
    {
        var first = ApiKeySecret.Generate();
        var second = ApiKeySecret.Generate();

        Assert.NotEqual(ApiKeySecret.ComputeDigest(first), ApiKeySecret.ComputeDigest(second));
    }

    [Fact]
    public void Hint_KnownKey_ShowsPrefixFourCharactersEllipsisAndLastFour()
    {
        Assert.Equal("fc_live_0123…V3kM", ApiKeySecret.Hint(KnownGoodKey));
    }

    [Fact]
    public void Hint_GeneratedKey_ShowsPrefixFourCharactersEllipsisAndLastFour()
    {
        var secret = ApiKeySecret.Generate();

        var hint = ApiKeySecret.Hint(secret);

        Assert.Equal(secret[..12] + "…" + secret[^4..], hint);
    }

    [Fact]
    public void Hint_GeneratedKey_DoesNotContainTheSecret()
    {
        var secret = ApiKeySecret.Generate();

        var hint = ApiKeySecret.Hint(secret);

        Assert.DoesNotContain(secret, hint, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["fc_live_".Length..^6], hint, StringComparison.Ordinal);
        Assert.True(hint.Length < 20, hint);
    }
}
