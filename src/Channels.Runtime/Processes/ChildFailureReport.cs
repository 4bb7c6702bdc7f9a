using System.Text;

namespace Channels;

/// <summary>
/// An exception that escaped a child's entry, written by the child to a file in a private directory of the parent's
/// (mode 0700) and read by the parent when the child exits. A file, not a pipe: it survives the child's exit and
/// needs no reader while the child runs.
/// </summary>
internal static class ChildFailureReport
{
    private const int MaxReportBytes = 256 * 1024;

    public static void Write(string path, Exception exception)
    {
        string text = string.Join('\n', Escape(exception.GetType().FullName ?? exception.GetType().Name), Escape(exception.Message), Escape(exception.ToString()));
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text, Encoding.UTF8);
        File.Move(temporary, path, overwrite: true);
    }

    public static RemoteException? TryRead(string path)
    {
        try
        {
            var file = new FileInfo(path);
            if (!file.Exists || file.Length > MaxReportBytes)
                return null;
            string[] parts = File.ReadAllText(path, Encoding.UTF8).Split('\n');
            if (parts.Length != 3)
                return null;
            return new RemoteException(Unescape(parts[0]), Unescape(parts[1]), Unescape(parts[2]));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");

    private static string Unescape(string text)
    {
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
