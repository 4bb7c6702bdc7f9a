using System.Text;

namespace Channels.Generators.Helpers;

/// <summary>An indented text writer for generated source: four spaces per level, '\n' line ends.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new(4096);
    private int _indent;

    public void Indent() => _indent++;

    public void Unindent() => _indent--;

    public void OpenBrace()
    {
        WriteLine("{");
        _indent++;
    }

    public void CloseBrace(string suffix = "")
    {
        _indent--;
        WriteLine("}" + suffix);
    }

    public void WriteLine() => _builder.Append('\n');

    /// <summary>Writes one or more lines (a multi-line string is split and each line indented).</summary>
    public void WriteLine(string text)
    {
        int start = 0;
        while (start <= text.Length)
        {
            int end = text.IndexOf('\n', start);
            if (end < 0)
                end = text.Length;
            int length = end - start;
            if (length > 0 && text[end - 1] == '\r')
                length--;
            if (length > 0)
            {
                _builder.Append(' ', _indent * 4);
                _builder.Append(text, start, length);
            }
            _builder.Append('\n');
            start = end + 1;
        }
    }

    public override string ToString() => _builder.ToString();
}
