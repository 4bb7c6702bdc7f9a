using System.Globalization;
using System.Text;

namespace Channels;

/// <summary>
/// An exception that escaped a child's entry, written by the child to a file in a private directory of the parent's
/// (mode 0700) and read by the parent when the child exits. A file, not a pipe: it survives the child's exit and
/// needs no reader while the child runs. Three lines (type, message, the exception's text), with backslash and
/// newline escaped. Long fields are cut and marked as cut, never dropped: a report always reaches the parent.
/// </summary>
internal static class ChildFailureReport
{
    /// <summary>Longest type name kept, in characters.</summary>
    public const int MaxTypeChars = 1024;

    /// <summary>Longest message kept, in characters.</summary>
    public const int MaxMessageChars = 64 * 1024;

    /// <summary>Longest exception text (with the stack) kept, in characters.</summary>
    public const int MaxStackChars = 128 * 1024;

    // Escaping at most doubles a field, and UTF-8 takes at most 3 bytes per UTF-16 unit here.
    private const int MaxReportBytes = (MaxTypeChars + MaxMessageChars + MaxStackChars) * 2 * 3 + 16;

    /// <summary>The marker that ends a cut field.</summary>
    public const string TruncatedMarker = " …[truncated: {0} characters in all]";

    private static readonly UTF8Encoding NoByteOrderMark = new(encoderShouldEmitUTF8Identifier: false);

    public static void Write(string path, Exception exception)
    {
        string text = Format(exception);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text, NoByteOrderMark);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The report's text for <paramref name="exception"/>, every field within its limit.</summary>
    public static string Format(Exception exception)
        => string.Join('\n',
            Escape(Truncate(exception.GetType().FullName ?? exception.GetType().Name, MaxTypeChars)),
            Escape(Truncate(exception.Message, MaxMessageChars)),
            Escape(Truncate(exception.ToString(), MaxStackChars)));

    /// <summary>Reads the report at <paramref name="path"/>; null when there is none.</summary>
    public static RemoteException? TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            // A report longer than any this runtime writes is read up to the limit, not refused.
            byte[] bytes = new byte[(int)Math.Min(stream.Length, MaxReportBytes)];
            int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return Parse(NoByteOrderMark.GetString(bytes, 0, read));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Decodes a report's text. Never throws: missing fields read as empty, extra lines belong to the last field.</summary>
    public static RemoteException Parse(string text)
    {
        if (text.StartsWith('\uFEFF'))
            text = text.Substring(1);
        int first = text.IndexOf('\n');
        int second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
        string type = first < 0 ? text : text.Substring(0, first);
        string message = first < 0 ? "" : second < 0 ? text.Substring(first + 1) : text.Substring(first + 1, second - first - 1);
        string stack = second < 0 ? "" : text.Substring(second + 1);
        type = Unescape(type);
        return new RemoteException(type.Length == 0 ? "System.Exception" : type, Unescape(message), stack.Length == 0 ? null : Unescape(stack));
    }

    private static string Truncate(string text, int maxChars)
    {
        if (text.Length <= maxChars)
            return text;
        int cut = maxChars;
        if (char.IsHighSurrogate(text[cut - 1]))
            cut--;
        return text.Substring(0, cut) + string.Format(CultureInfo.InvariantCulture, TruncatedMarker, text.Length);
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string Unescape(string text)
    {
        if (!text.Contains('\\'))
            return text;
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
                builder.Append(text[i] == 'n' ? '\n' : text[i]);
            }
            else
            {
                builder.Append(text[i]);
            }
        }
        return builder.ToString();
    }
}
