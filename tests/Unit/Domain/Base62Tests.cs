using FieldCamp.Domain.ApiKeys;

namespace FieldCamp.Tests.Unit.Domain;

public class Base62Tests
{
    [Theory]
    [InlineData(0UL, "000000")]
    [InlineData(1UL, "000001")]
    [InlineData(9UL, "000009")]
    [InlineData(10UL, "00000A")]
    [InlineData(35UL, "00000Z")]
    [InlineData(36UL, "00000a")]
    [InlineData(61UL, "00000z")]
    [InlineData(62UL, "000010")]
    [InlineData(3844UL, "000100")]
    [InlineData(56_800_235_583UL, "zzzzzz")] // 62^6 - 1
    public void Encode_KnownValue_ReturnsDigitsMostSignificantFirst(ulong value, string expected)
    {
        Assert.Equal(expected, Base62.Encode(value, 6));
    }

    [Fact]
    public void Encode_UlongMaxValue_MatchesPythonInElevenDigits()
    {
        // Python: base62 of 2**64 - 1 with the 0-9A-Za-z alphabet.
        Assert.Equal("LygHa16AHYF", Base62.Encode(ulong.MaxValue, 11));
    }

    [Theory]
    [InlineData(62UL, 1)]
    [InlineData(56_800_235_584UL, 6)] // 62^6
    [InlineData(ulong.MaxValue, 10)]
    public void Encode_WidthTooSmall_Throws(ulong value, int width)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Base62.Encode(value, width));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(61UL)]
    [InlineData(62UL)]
    [InlineData(4_294_967_295UL)]
    [InlineData(1_234_567_890_123UL)]
    [InlineData(ulong.MaxValue)]
    public void TryDecode_EncodedValue_RoundTrips(ulong value)
    {
        var digits = Base62.Encode(value, 11);

        Assert.True(Base62.TryDecode(digits, out var decoded));
        Assert.Equal(value, decoded);
    }

    [Theory]
    [InlineData("00000z", 61UL)]
    [InlineData("10", 62UL)]
    [InlineData("zz", 3843UL)]
    public void TryDecode_KnownDigits_ReturnsValue(string digits, ulong expected)
    {
        Assert.True(Base62.TryDecode(digits, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("12-3")]
    [InlineData("abc_")]
    [InlineData(" 1")]
    [InlineData("+1")]
    [InlineData("é")]
    [InlineData("１")] // full-width digit one
    public void TryDecode_InvalidCharacter_ReturnsFalse(string digits)
    {
        Assert.False(Base62.TryDecode(digits, out _));
    }

    [Theory]
    [InlineData("LygHa16AHYG")] // 2^64
    [InlineData("zzzzzzzzzzz")] // 62^11 - 1
    [InlineData("100000000000")] // 62^11
    public void TryDecode_ValueAboveUlongMax_ReturnsFalse(string digits)
    {
        Assert.False(Base62.TryDecode(digits, out _));
    }

    [Fact]
    public void EncodeBytes_All0xFFThirtyTwoBytes_FitsInFortyThreeDigits()
    {
        var max = Enumerable.Repeat((byte)0xFF, 32).ToArray();

        var digits = Base62.Encode(max, 43);

        // Python: base62 of 2**256 - 1.
        Assert.Equal("yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1", digits);
    }

    [Fact]
    public void EncodeBytes_All0xFFThirtyTwoBytes_DoesNotFitInFortyTwoDigits()
    {
        var max = Enumerable.Repeat((byte)0xFF, 32).ToArray();

        Assert.Throws<ArgumentOutOfRangeException>(() => Base62.Encode(max, 42));
    }

    [Fact]
    public void EncodeBytes_AllZero_ReturnsAllZeroDigits()
    {
        Assert.Equal(new string('0', 43), Base62.Encode(new byte[32], 43));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(61UL)]
    [InlineData(62UL)]
    [InlineData(1_234_567_890_123UL)]
    [InlineData(ulong.MaxValue)]
    public void EncodeBytes_BigEndianUlong_MatchesUlongEncoding(ulong value)
    {
        var bigEndian = BitConverter.GetBytes(value);
        if (BitConverter.IsLittleEndian) Array.Reverse(bigEndian);

        Assert.Equal(Base62.Encode(value, 11), Base62.Encode(bigEndian, 11));
    }

    [Fact]
    public void Alphabet_IsInAsciiOrder()
    {
        Assert.Equal("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", Base62.Alphabet);
    }
}
