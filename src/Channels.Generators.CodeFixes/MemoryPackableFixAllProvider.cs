using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Channels.Generators.CodeFixes;

/// <summary>
/// Fix-all for CHN003. The batch fixer merges each fix's text changes and drops those that overlap, and every
/// CHN003 fix in a file adds the same 'using MemoryPack;', so all but one would be lost; here the message types of
/// all the diagnostics are collected first (each once) and edited in one pass.
/// </summary>
internal sealed class MemoryPackableFixAllProvider : FixAllProvider
{
    public static readonly MemoryPackableFixAllProvider Instance = new();

    private MemoryPackableFixAllProvider()
    {
    }

    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes()
        => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        var documents = new List<Document>();
        switch (fixAllContext.Scope)
        {
            case FixAllScope.Document when fixAllContext.Document is not null:
                documents.Add(fixAllContext.Document);
                break;
            case FixAllScope.Project:
                documents.AddRange(fixAllContext.Project.Documents);
                break;
            case FixAllScope.Solution:
                foreach (Project project in fixAllContext.Solution.Projects)
                    documents.AddRange(project.Documents);
                break;
            default:
                return null;
        }

        var targets = new List<INamedTypeSymbol>();
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (Document document in documents)
        {
            ImmutableArray<Diagnostic> diagnostics = await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
            foreach (Diagnostic diagnostic in diagnostics)
            {
                INamedTypeSymbol? target = await MessageTypeLocator.FindAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false);
                if (target is not null && seen.Add(target))
                    targets.Add(target);
            }
        }
        if (targets.Count == 0)
            return null;

        Solution solution = fixAllContext.Solution;
        return CodeAction.Create(
            "Add [MemoryPackable] and 'partial' to message types",
            cancellationToken => ApplyAsync(solution, targets, cancellationToken),
            fixAllContext.CodeActionEquivalenceKey);
    }

    private static Task<Solution> ApplyAsync(Solution solution, List<INamedTypeSymbol> targets, CancellationToken cancellationToken)
        => DeclarationEditor.ApplyAsync(solution, AddMemoryPackableCodeFixProvider.PartialTypes(targets), targets, cancellationToken);
}
