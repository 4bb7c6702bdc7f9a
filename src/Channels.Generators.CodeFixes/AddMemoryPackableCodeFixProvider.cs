using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Channels.Generators.CodeFixes;

/// <summary>
/// CHN003: puts [MemoryPackable] on the message type that cannot be serialized and makes it (and the types that
/// contain it, as MemoryPack requires) partial, importing MemoryPack when needed.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddMemoryPackableCodeFixProvider)), Shared]
public sealed class AddMemoryPackableCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = DiagnosticIds.MessageNotSerializable + ".AddMemoryPackable";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.MessageNotSerializable);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => MemoryPackableFixAllProvider.Instance;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            INamedTypeSymbol? message = await MessageTypeLocator.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (message is null)
                continue;
            Solution solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Add [MemoryPackable] and 'partial' to '" + message.Name + "'",
                    cancellationToken => DeclarationEditor.ApplyAsync(solution, PartialTypes(new[] { message }), new[] { message }, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The message types and the types containing them: MemoryPack generates into each of them.</summary>
    internal static List<INamedTypeSymbol> PartialTypes(IReadOnlyList<INamedTypeSymbol> messages)
    {
        var types = new List<INamedTypeSymbol>();
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (INamedTypeSymbol message in messages)
        {
            for (INamedTypeSymbol? type = message; type is not null; type = type.ContainingType)
            {
                if (seen.Add(type))
                    types.Add(type);
            }
        }
        return types;
    }
}
