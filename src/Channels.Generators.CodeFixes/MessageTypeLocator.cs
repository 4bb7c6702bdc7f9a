using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators.CodeFixes;

/// <summary>
/// Finds the type a CHN003 diagnostic is about. The generator reports CHN003 on the type argument of the lane (or
/// on the type of a [ChildEntry] argument) and names the path to the offending member in its message
/// ("Order.Customer.Address: reason"); the diagnostic carries no properties. So the root type is resolved with the
/// semantic model at the location, and the member path is then followed to the type that failed.
/// </summary>
internal static class MessageTypeLocator
{
    /// <summary>Where the generator's message puts the "Root.Path: reason" text.</summary>
    private const string PathMarker = "cannot be serialized: ";

    public static async Task<INamedTypeSymbol?> FindAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
            return null;

        ITypeSymbol? message = RootType(root, model, diagnostic, cancellationToken);
        if (message is null)
            return null;

        string? path = MemberPath(message, diagnostic.GetMessage(CultureInfo.InvariantCulture));
        if (path is null)
            return Fixable(message, model.Compilation);

        var ends = new List<ITypeSymbol>();
        Walk(message, path, 0, ends);
        foreach (ITypeSymbol end in ends)
        {
            if (Fixable(end, model.Compilation) is { } target)
                return target;
        }
        return ends.Count == 0 ? Fixable(message, model.Compilation) : null;
    }

    private static ITypeSymbol? RootType(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        Microsoft.CodeAnalysis.Text.TextSpan span = diagnostic.Location.SourceSpan;
        SyntaxNode node = root.FindNode(span, getInnermostNodeForTie: true);
        TypeSyntax? typeSyntax = null;
        for (SyntaxNode? current = node; current is not null && current.Span == span; current = current.Parent)
        {
            if (current is TypeSyntax candidate)
                typeSyntax = candidate;
        }
        if (typeSyntax is not null)
            return model.GetTypeInfo(typeSyntax, cancellationToken).Type;

        // The generator falls back to the member when it has no type argument syntax.
        foreach (SyntaxNode ancestor in node.AncestorsAndSelf())
        {
            if (ancestor is PropertyDeclarationSyntax property
                && model.GetDeclaredSymbol(property, cancellationToken) is IPropertySymbol { Type: INamedTypeSymbol { TypeArguments.Length: 1 } lane })
                return lane.TypeArguments[0];
            if (ancestor is ParameterSyntax parameter && model.GetDeclaredSymbol(parameter, cancellationToken) is IParameterSymbol symbol)
                return symbol.Type;
        }
        return null;
    }

    /// <summary>The ".Member[]..." part of the message's path after the root type's name, or null when the message does not have that shape.</summary>
    private static string? MemberPath(ITypeSymbol message, string text)
    {
        int start = text.IndexOf(PathMarker, StringComparison.Ordinal);
        if (start < 0)
            return null;
        start += PathMarker.Length;
        string rootName = message.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        if (string.CompareOrdinal(text, start, rootName, 0, rootName.Length) != 0)
            return null;
        start += rootName.Length;
        int end = text.IndexOf(": ", start, StringComparison.Ordinal);
        return end < 0 ? null : text.Substring(start, end - start);
    }

    /// <summary>Follows ".Member" and "[]" (array element or collection type argument) segments; a collection of several type arguments may lead to several ends.</summary>
    private static void Walk(ITypeSymbol type, string path, int index, List<ITypeSymbol> ends)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            type = nullable.TypeArguments[0];
        if (index == path.Length)
        {
            ends.Add(type);
            return;
        }
        if (path[index] == '[')
        {
            if (index + 1 >= path.Length || path[index + 1] != ']')
                return;
            if (type is IArrayTypeSymbol array)
            {
                Walk(array.ElementType, path, index + 2, ends);
            }
            else if (type is INamedTypeSymbol named)
            {
                foreach (ITypeSymbol argument in named.TypeArguments)
                    Walk(argument, path, index + 2, ends);
            }
            return;
        }
        if (path[index] != '.')
            return;
        int next = index + 1;
        while (next < path.Length && path[next] != '.' && path[next] != '[')
            next++;
        ITypeSymbol? memberType = MemberType(type, path.Substring(index + 1, next - index - 1));
        if (memberType is not null)
            Walk(memberType, path, next, ends);
    }

    private static ITypeSymbol? MemberType(ITypeSymbol type, string name)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            foreach (ISymbol member in current.GetMembers(name))
            {
                if (member is IFieldSymbol field)
                    return field.Type;
                if (member is IPropertySymbol { IsIndexer: false } property)
                    return property.Type;
            }
        }
        return null;
    }

    private static bool DerivesFromStream(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current is { Name: "Stream", ContainingNamespace: { Name: "IO", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } })
                return true;
        }
        return false;
    }

    /// <summary>A class, record or struct declared in source that [MemoryPackable] can make serializable.</summary>
    private static INamedTypeSymbol? Fixable(ITypeSymbol type, Compilation compilation)
    {
        if (type is not INamedTypeSymbol named)
            return null;
        named = named.OriginalDefinition;
        bool kindFits = named.TypeKind == TypeKind.Struct || (named.TypeKind == TypeKind.Class && !named.IsAbstract && !named.IsStatic);
        if (!kindFits || named.DeclaringSyntaxReferences.IsEmpty || named.IsFileLocal || named.IsImplicitlyDeclared)
            return null;
        // A stream is a handle, not data: MemoryPack cannot serialize it whatever the attributes (MEMPACK019).
        if (DerivesFromStream(named))
            return null;
        // [MemoryPackable] does not make a type that generated code cannot name reachable.
        if (!compilation.IsSymbolAccessibleWithin(named, compilation.Assembly))
            return null;
        foreach (AttributeData attribute in named.GetAttributes())
        {
            if (attribute.AttributeClass is { Name: "MemoryPackableAttribute", ContainingNamespace.Name: "MemoryPack" })
                return null;
        }
        return named;
    }
}
