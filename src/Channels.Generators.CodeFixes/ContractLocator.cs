using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators.CodeFixes;

/// <summary>Finds the contract a diagnostic reported on the contract's identifier refers to.</summary>
internal static class ContractLocator
{
    /// <summary>
    /// The generator reports with file-path locations (its models cannot hold syntax trees), so the span is read
    /// against the document the IDE matched the diagnostic to, not against <see cref="Location.SourceTree"/>.
    /// </summary>
    public static async Task<INamedTypeSymbol?> FindAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
            return null;
        SyntaxToken token = root.FindToken(diagnostic.Location.SourceSpan.Start);
        if (token.Parent is not TypeDeclarationSyntax declaration || declaration.Identifier != token)
            return null;
        return model.GetDeclaredSymbol(declaration, cancellationToken);
    }
}
