using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators.CodeFixes;

/// <summary>
/// Edits type declarations across a solution: adds 'partial' to every declaration of some types and, optionally,
/// [MemoryPackable] to one type. A type may be declared in several files, so the edit is solution-wide.
/// </summary>
internal static class DeclarationEditor
{
    private const string MemoryPackNamespace = "MemoryPack";
    private const string MemoryPackableName = "MemoryPackable";

    /// <summary>Makes every declaration of <paramref name="partialTypes"/> partial; puts [MemoryPackable] on the first declaration of each of <paramref name="memoryPackable"/> (and imports MemoryPack there when the attribute does not bind).</summary>
    public static async Task<Solution> ApplyAsync(Solution solution, IReadOnlyList<INamedTypeSymbol> partialTypes, IReadOnlyList<INamedTypeSymbol> memoryPackable, CancellationToken cancellationToken)
    {
        var byDocument = new Dictionary<DocumentId, List<TypeDeclarationSyntax>>();
        foreach (INamedTypeSymbol type in partialTypes)
        {
            foreach (SyntaxReference reference in type.OriginalDefinition.DeclaringSyntaxReferences)
            {
                Document? document = solution.GetDocument(reference.SyntaxTree);
                if (document is not null && await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is TypeDeclarationSyntax declaration)
                    Add(byDocument, document.Id, declaration);
            }
        }

        var carriers = new HashSet<TypeDeclarationSyntax>();
        var needsUsing = new HashSet<DocumentId>();
        foreach (INamedTypeSymbol type in memoryPackable)
        {
            if (FirstDeclaration(solution, type, cancellationToken) is not { } first || !carriers.Add(first.Declaration))
                continue;
            SemanticModel? model = await first.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (model is null || model.LookupNamespacesAndTypes(first.Declaration.SpanStart, container: null, name: MemoryPackableName + "Attribute").IsEmpty)
                needsUsing.Add(first.Document.Id);
            Add(byDocument, first.Document.Id, first.Declaration);
        }

        foreach (KeyValuePair<DocumentId, List<TypeDeclarationSyntax>> entry in byDocument)
        {
            Document document = solution.GetDocument(entry.Key)!;
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            string endOfLine = EndOfLine(root);
            SyntaxNode edited = root.ReplaceNodes(entry.Value, (original, rewritten) =>
            {
                TypeDeclarationSyntax result = WithPartial(rewritten);
                return carriers.Contains(original) ? WithMemoryPackable(result, endOfLine) : result;
            });
            if (needsUsing.Contains(entry.Key) && edited is CompilationUnitSyntax unit)
                edited = WithMemoryPackUsing(unit, endOfLine);
            solution = solution.WithDocumentSyntaxRoot(entry.Key, edited);
        }
        return solution;
    }

    private static void Add(Dictionary<DocumentId, List<TypeDeclarationSyntax>> byDocument, DocumentId document, TypeDeclarationSyntax declaration)
    {
        if (!byDocument.TryGetValue(document, out List<TypeDeclarationSyntax>? list))
            byDocument.Add(document, list = new List<TypeDeclarationSyntax>());
        if (!list.Contains(declaration))
            list.Add(declaration);
    }

    /// <summary>'partial' goes last among the modifiers, right before the type keyword, where C# requires it.</summary>
    public static TypeDeclarationSyntax WithPartial(TypeDeclarationSyntax declaration)
    {
        if (declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            return declaration;
        if (declaration.Modifiers.Count == 0)
        {
            // The keyword's indentation moves to the new first token so that the line keeps its shape.
            SyntaxToken keyword = declaration.Keyword;
            SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return declaration.WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial));
        }
        return declaration.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
    }

    private static TypeDeclarationSyntax WithMemoryPackable(TypeDeclarationSyntax declaration, string endOfLine)
    {
        SyntaxTriviaList leading = declaration.GetLeadingTrivia();
        SyntaxTriviaList afterAttribute = SyntaxFactory.TriviaList(SyntaxFactory.EndOfLine(endOfLine));
        if (leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia))
            afterAttribute = afterAttribute.Add(leading[leading.Count - 1]);
        AttributeListSyntax attribute = SyntaxFactory.AttributeList(
                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(MemoryPackableName))))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(afterAttribute);
        TypeDeclarationSyntax stripped = declaration.WithLeadingTrivia(SyntaxFactory.TriviaList());
        return stripped.WithAttributeLists(stripped.AttributeLists.Insert(0, attribute));
    }

    /// <summary>Adds 'using MemoryPack;' after the System usings, in alphabetical order among the others.</summary>
    private static CompilationUnitSyntax WithMemoryPackUsing(CompilationUnitSyntax unit, string endOfLine)
    {
        UsingDirectiveSyntax directive = SyntaxFactory.UsingDirective(SyntaxFactory.IdentifierName(MemoryPackNamespace))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(SyntaxFactory.EndOfLine(endOfLine));
        SyntaxList<UsingDirectiveSyntax> usings = unit.Usings;
        if (usings.Count == 0)
        {
            // A file header (comments, #nullable) stays above the new using; a blank line separates it from the code.
            SyntaxToken first = unit.GetFirstToken(includeZeroWidth: true);
            SyntaxTriviaList header = first.LeadingTrivia;
            unit = unit.ReplaceToken(first, first.WithLeadingTrivia(SyntaxFactory.TriviaList()));
            directive = directive.WithLeadingTrivia(header)
                .WithTrailingTrivia(SyntaxFactory.EndOfLine(endOfLine), SyntaxFactory.EndOfLine(endOfLine));
            return unit.WithUsings(SyntaxFactory.SingletonList(directive));
        }

        int index = usings.Count;
        for (int i = 0; i < usings.Count; i++)
        {
            UsingDirectiveSyntax existing = usings[i];
            if (existing.Alias is not null || !existing.StaticKeyword.IsKind(SyntaxKind.None) || !existing.GlobalKeyword.IsKind(SyntaxKind.None) || existing.Name is null)
                continue;
            string name = existing.Name.ToString();
            if (name == "System" || name.StartsWith("System.", System.StringComparison.Ordinal))
                continue;
            if (string.CompareOrdinal(name, MemoryPackNamespace) > 0)
            {
                index = i;
                break;
            }
        }
        if (index == 0)
        {
            // Inserting before the first using: the file header belongs to the new first line.
            UsingDirectiveSyntax next = usings[0];
            directive = directive.WithLeadingTrivia(next.GetLeadingTrivia());
            usings = usings.Replace(next, next.WithLeadingTrivia(SyntaxFactory.TriviaList()));
        }
        else if (index == usings.Count)
        {
            index = LastPlainUsing(usings) + 1;
        }
        return unit.WithUsings(usings.Insert(index, directive));
    }

    private static int LastPlainUsing(SyntaxList<UsingDirectiveSyntax> usings)
    {
        for (int i = usings.Count - 1; i >= 0; i--)
        {
            if (usings[i].Alias is null && usings[i].StaticKeyword.IsKind(SyntaxKind.None))
                return i;
        }
        return usings.Count - 1;
    }

    private static (Document Document, TypeDeclarationSyntax Declaration)? FirstDeclaration(Solution solution, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.OriginalDefinition.DeclaringSyntaxReferences)
        {
            Document? document = solution.GetDocument(reference.SyntaxTree);
            if (document is not null && reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration)
                return (document, declaration);
        }
        return null;
    }

    private static string EndOfLine(SyntaxNode root)
    {
        foreach (SyntaxTrivia trivia in root.DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                return trivia.ToString();
        }
        return "\n";
    }
}
