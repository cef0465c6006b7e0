namespace FieldCamp.Domain.ApiKeys;

/// <summary>Base62 in ASCII order (<c>0-9A-Za-z</c>), most significant digit first, left-padded with '0'.</summary>
public static class Base62
{
    public const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Encode(ulong value, int width) =>
        string.Create(width, value, static (digits, v) =>
        {
            for (var i = digits.Length - 1; i >= 0; i--)
            {
                digits[i] = Alphabet[(int)(v % 62)];
                v /= 62;
            }
            if (v != 0) throw new ArgumentOutOfRangeException(nameof(width), "Value does not fit in the width.");
        });

    /// <summary>Encodes a big-endian unsigned number by long division; the inputs are tiny, so O(n²) is fine.</summary>
    public static string Encode(ReadOnlySpan<byte> bigEndian, int width)
    {
        Span<byte> number = stackalloc byte[bigEndian.Length];
        bigEndian.CopyTo(number);
        Span<char> digits = stackalloc char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            var remainder = 0;
            for (var j = 0; j < number.Length; j++)
            {
                var accumulator = (remainder << 8) | number[j];
                number[j] = (byte)(accumulator / 62);
                remainder = accumulator % 62;
            }
            digits[i] = Alphabet[remainder];
        }
        if (number.ContainsAnyExcept((byte)0))
            throw new ArgumentOutOfRangeException(nameof(width), "Value does not fit in the width.");
        return new string(digits);
    }

    public static bool IsDigit(char c) => char.IsAsciiLetterOrDigit(c);

    /// <summary>Decodes digits into a number; false when a character is not base62 or the value overflows.</summary>
    public static bool TryDecode(ReadOnlySpan<char> digits, out ulong value)
    {
        value = 0;
        foreach (var c in digits)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'A' and <= 'Z' => c - 'A' + 10,
                >= 'a' and <= 'z' => c - 'a' + 36,
                _ => -1,
            };
            if (digit < 0 || value > (ulong.MaxValue - (ulong)digit) / 62) return false;
            value = value * 62 + (ulong)digit;
        }
        return true;
    }
}
