using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators.CodeFixes;

/// <summary>
/// CHN013: adds 'partial' to every declaration of the types that contain the contract. The generator reports one
/// CHN013 per non-partial containing type, all on the contract's identifier; one action fixes them all.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPartialToContainingTypesCodeFixProvider)), Shared]
public sealed class AddPartialToContainingTypesCodeFixProvider : CodeFixProvider
{
    private const string EquivalenceKey = DiagnosticIds.ContainingTypeNotPartial + ".AddPartial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(DiagnosticIds.ContainingTypeNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        if (context.Diagnostics.IsEmpty)
            return;
        INamedTypeSymbol? contract = await ContractLocator.FindAsync(context.Document, context.Diagnostics[0], context.CancellationToken).ConfigureAwait(false);
        if (contract?.ContainingType is null)
            return;
        var containing = new List<INamedTypeSymbol>();
        INamedTypeSymbol? lacking = null;
        int lackingCount = 0;
        for (INamedTypeSymbol? type = contract.ContainingType; type is not null; type = type.ContainingType)
        {
            containing.Add(type);
            if (!IsPartialEverywhere(type, context.CancellationToken))
            {
                lacking = type;
                lackingCount++;
            }
        }
        if (lacking is null)
            return;
        string title = lackingCount == 1
            ? "Add 'partial' to '" + lacking.Name + "'"
            : "Add 'partial' to the types containing '" + contract.Name + "'";
        Solution solution = context.Document.Project.Solution;
        context.RegisterCodeFix(
            CodeAction.Create(
                title,
                cancellationToken => DeclarationEditor.ApplyAsync(solution, containing, memoryPackable: System.Array.Empty<INamedTypeSymbol>(), cancellationToken),
                EquivalenceKey),
            context.Diagnostics);
    }

    private static bool IsPartialEverywhere(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                return false;
        }
        return true;
    }
}
