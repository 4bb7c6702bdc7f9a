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
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            INamedTypeSymbol? message = await MessageTypeLocator.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (message is null)
                continue;
            var partialTypes = new List<INamedTypeSymbol>();
            for (INamedTypeSymbol? type = message; type is not null; type = type.ContainingType)
                partialTypes.Add(type);
            Solution solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Add [MemoryPackable] and 'partial' to '" + message.Name + "'",
                    cancellationToken => DeclarationEditor.ApplyAsync(solution, partialTypes, message, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
