using System.Globalization;
using System.Text;

namespace FieldCamp.Domain;

/// <summary>
/// The one rule for text people read back: control and formatting characters (null, escape, zero-width space,
/// bidirectional overrides), line and paragraph separators and broken surrogates print as nothing or reorder the text
/// around them, so a name could pass for another or a log line could lie. Key names, client names, titles and the
/// like refuse them; free text (notes) keeps its line breaks and tabs, nothing else.
/// </summary>
public static class PlainText
{
    public const string Refusal = "cannot hold control or invisible characters (such as a zero-width space or a right-to-left override).";

    public static bool IsHiddenCharacter(Rune rune) =>
        rune == Rune.ReplacementChar // what a lone surrogate decodes to
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>Whether <paramref name="text"/> holds a hidden character; with <paramref name="multiLine"/>, \n, \r\n and \t are allowed.</summary>
    public static bool HasHiddenCharacters(string text, bool multiLine = false)
    {
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (multiLine && (c is '\n' or '\t' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')))
            {
                i++;
                continue;
            }
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done || IsHiddenCharacter(rune))
                return true;
            i += used;
        }
        return false;
    }
}
