using System.Runtime.CompilerServices;
using System.Text;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>
/// Compares generated text with checked-in files under Golden/. Set CHANNELS_ACCEPT_GOLDEN=1 to (re)write them
/// from the current output, then review the change with git diff.
/// </summary>
internal static class Golden
{
    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Golden");
        string path = Path.Combine(directory, name + ".verified.cs");
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("CHANNELS_ACCEPT_GOLDEN") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            return;
        }
        if (!File.Exists(path))
            Xunit.Assert.Fail($"No golden file {path}. Run the tests with CHANNELS_ACCEPT_GOLDEN=1 to create it, then review it.\n\nActual:\n{actual}");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected != actual)
            Xunit.Assert.Fail($"Generated {name} differs from {path} (run with CHANNELS_ACCEPT_GOLDEN=1 to accept):\n{Diff(expected, actual)}");
    }

    /// <summary>A line diff (longest common subsequence) showing changed lines with three lines of context.</summary>
    public static string Diff(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var lines = new List<(char Op, int Line, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { lines.Add((' ', x + 1, a[x])); x++; y++; }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) { lines.Add(('-', x + 1, a[x])); x++; }
            else { lines.Add(('+', y + 1, b[y])); y++; }
        }

        var output = new StringBuilder();
        int lastPrinted = -1;
        for (int k = 0; k < lines.Count; k++)
        {
            if (lines[k].Op == ' ')
                continue;
            for (int c = Math.Max(lastPrinted + 1, k - 3); c <= Math.Min(lines.Count - 1, k + 3); c++)
            {
                if (c > lastPrinted + 1 && lastPrinted >= 0 && c == Math.Max(lastPrinted + 1, k - 3))
                    output.Append("...\n");
                output.Append(lines[c].Op).Append(' ').Append(lines[c].Line.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(lines[c].Text).Append('\n');
                lastPrinted = c;
            }
        }
        return output.ToString();
    }
}
