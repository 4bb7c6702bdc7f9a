using System.Globalization;
using System.Security;
using System.Text;

namespace Channels.Benchmarks.Report;

/// <summary>A minimal SVG writer: rectangles, lines and text with invariant number formatting.</summary>
public sealed class SvgWriter
{
    private readonly StringBuilder _text = new();

    /// <summary>Starts a document of the given size on a white background.</summary>
    public SvgWriter(double width, double height)
    {
        _text.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:0}\" height=\"{height:0}\" viewBox=\"0 0 {width:0} {height:0}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        Rect(0, 0, width, height, "#ffffff");
    }

    /// <summary>A filled rectangle, with an optional tooltip.</summary>
    public void Rect(double x, double y, double width, double height, string fill, string? title = null)
    {
        _text.Append(CultureInfo.InvariantCulture, $"  <rect x=\"{x:0.##}\" y=\"{y:0.##}\" width=\"{width:0.##}\" height=\"{height:0.##}\" fill=\"{fill}\"");
        if (title is null)
        {
            _text.Append("/>\n");
        }
        else
        {
            _text.Append("><title>").Append(SecurityElement.Escape(title)).Append("</title></rect>\n");
        }
    }

    /// <summary>A line.</summary>
    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null)
    {
        _text.Append(CultureInfo.InvariantCulture, $"  <line x1=\"{x1:0.##}\" y1=\"{y1:0.##}\" x2=\"{x2:0.##}\" y2=\"{y2:0.##}\" stroke=\"{stroke}\" stroke-width=\"{width:0.##}\"");
        if (dash is not null)
        {
            _text.Append(" stroke-dasharray=\"").Append(dash).Append('"');
        }

        _text.Append("/>\n");
    }

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end; <paramref name="rotate"/> in degrees around the anchor point.</summary>
    public void Text(double x, double y, string text, string anchor = "start", double size = 12, string fill = "#222222", bool bold = false, double rotate = 0)
    {
        _text.Append(CultureInfo.InvariantCulture, $"  <text x=\"{x:0.##}\" y=\"{y:0.##}\" text-anchor=\"{anchor}\" font-size=\"{size:0.#}\" fill=\"{fill}\"");
        if (bold)
        {
            _text.Append(" font-weight=\"bold\"");
        }

        if (rotate != 0)
        {
            _text.Append(CultureInfo.InvariantCulture, $" transform=\"rotate({rotate:0.#} {x:0.##} {y:0.##})\"");
        }

        _text.Append('>').Append(SecurityElement.Escape(text)).Append("</text>\n");
    }

    /// <summary>The finished document.</summary>
    public override string ToString() => _text.ToString() + "</svg>\n";
}
