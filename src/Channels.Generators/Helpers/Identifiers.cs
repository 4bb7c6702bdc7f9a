using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Channels.Generators.Helpers;

/// <summary>Turns type names into identifiers for generated class and method names.</summary>
internal static class Identifiers
{
    /// <summary>"global::Demo.List&lt;global::Demo.Job?&gt;[]" becomes "Demo_List_Demo_Job_N_Array".</summary>
    public static string Mangle(string typeName)
    {
        string text = typeName.Replace("global::", string.Empty);
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (char.IsLetterOrDigit(c) || c == '_')
                builder.Append(c);
            else if (c == '.' || c == '<' || c == ',' || c == '+')
                builder.Append('_');
            else if (c == '[')
                builder.Append("_Array");
            else if (c == '?')
                builder.Append("_N");
        }
        return builder.ToString();
    }

    /// <summary>Prefixes '@' to a name that is a C# keyword.</summary>
    public static string Escape(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.AwaitKeyword
            ? "@" + name
            : name;
}
