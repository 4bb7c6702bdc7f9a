using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Channels.Generators.CodeFixes;

/// <summary>CHN001: adds 'partial' to every declaration of the contract interface.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialToContractCodeFixProvider)), Shared]
public sealed class AddPartialToContractCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = DiagnosticIds.ContractNotPartial + ".AddPartial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.ContractNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            INamedTypeSymbol? contract = await ContractLocator.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (contract is null)
                continue;
            Solution solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Add 'partial'",
                    cancellationToken => DeclarationEditor.ApplyAsync(solution, new[] { contract }, memoryPackable: System.Array.Empty<INamedTypeSymbol>(), cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
