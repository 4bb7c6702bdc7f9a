using System.Collections.Generic;
using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    /// <summary>
    /// Finds the message types whose codec writes and reads MemoryPack's encoding itself instead of calling MemoryPack:
    /// a positional record whose only data members are its positional parameters, each a string or an unmanaged struct
    /// (written as its raw bytes), and that either has <c>[MemoryPackable]</c> and nothing else of MemoryPack's, or nothing of MemoryPack's
    /// at all (a plain record, which the formatter this generator emits serializes). Both formatters write an object
    /// header and the members in parameter order, which the generated code reproduces byte for byte (for an instance
    /// of a derived record too: the formatter of the lane's type writes that type's members only); anything that could
    /// change that (a layout or member attribute, a body member, a base record, a member serialized through a
    /// formatter) keeps the MemoryPack path.
    /// </summary>
    private static class DirectCodecs
    {
        // Records with more parameters keep the MemoryPack path (its object header allows 249 members).
        private const int MaxMembers = 64;

        /// <summary>The codec's members and kind; null when the type keeps the MemoryPack path.</summary>
        public static DirectCodecModel? Find(ITypeSymbol type)
        {
            if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class, IsRecord: true, IsAbstract: false, IsGenericType: false } record
                || record.BaseType?.SpecialType != SpecialType.System_Object
                || MemoryPackAttributes(record) is not { } packable
                || (!packable && ImplementsMemoryPackable(record))
                || PositionalParameters(record) is not { Count: > 0 and <= MaxMembers } parameters)
                return null;

            var members = new List<DirectMemberModel>(parameters.Count);
            foreach (ParameterSyntax parameter in parameters)
            {
                if (Property(record, parameter) is not { } property || !IsDirectType(property.Type))
                    return null;
                members.Add(new DirectMemberModel(
                    Identifiers.Escape(property.Name),
                    TypeAnalyzer.Display(property.Type),
                    property.Type.SpecialType == SpecialType.System_String));
            }

            if (CountDataMembers(record) != members.Count)
                return null;
            return new DirectCodecModel(members.ToEquatableArray(), OwnFormatter: !packable);
        }

        // True for [MemoryPackable] with MemoryPack's default object layout, false for no attribute of MemoryPack's; null
        // for any other attribute of MemoryPack's on the type or any of its members (ordering, ignoring, string formats,
        // callbacks, constructors), which would change the encoding.
        private static bool? MemoryPackAttributes(INamedTypeSymbol type)
        {
            bool packable = false;
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (!IsMemoryPacks(attribute))
                    continue;
                if (!SymbolNames.Is(attribute.AttributeClass, KnownTypes.MemoryPackable) || attribute.NamedArguments.Length != 0)
                    return null;
                // Its optional arguments, GenerateType and SerializeLayout, at their defaults (Object, Sequential).
                foreach (TypedConstant argument in attribute.ConstructorArguments)
                {
                    if (argument.Value is not 0)
                        return null;
                }
                packable = true;
            }

            foreach (ISymbol member in type.GetMembers())
            {
                if (HasMemoryPackAttribute(member))
                    return null;
                if (member is IMethodSymbol method)
                {
                    foreach (IParameterSymbol parameter in method.Parameters)
                    {
                        if (HasMemoryPackAttribute(parameter))
                            return null;
                    }
                }
            }
            return packable;
        }

        // A type that implements IMemoryPackable<T> without the attribute serializes itself its own way.
        private static bool ImplementsMemoryPackable(INamedTypeSymbol type)
        {
            foreach (INamedTypeSymbol implemented in type.AllInterfaces)
            {
                if (SymbolNames.Is(implemented.OriginalDefinition, KnownTypes.MemoryPackableInterface))
                    return true;
            }
            return false;
        }

        // The parameters of the record's one declaration with a parameter list, when its only other constructor is
        // the copy constructor (MemoryPack then constructs through it).
        private static SeparatedSyntaxList<ParameterSyntax>? PositionalParameters(INamedTypeSymbol record)
        {
            SeparatedSyntaxList<ParameterSyntax>? found = null;
            foreach (SyntaxReference reference in record.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is RecordDeclarationSyntax { ParameterList: { } list })
                {
                    if (found is not null)
                        return null;
                    found = list.Parameters;
                }
            }

            int constructors = 0;
            foreach (IMethodSymbol constructor in record.InstanceConstructors)
            {
                if (constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, record))
                    continue;
                if (constructor.DeclaredAccessibility != Accessibility.Public)
                    return null;
                constructors++;
            }
            return constructors == 1 ? found : null;
        }

        // The property a positional parameter declares: public, get-only or init, declared by that parameter itself
        // (a body property of the same name would make it an ordinary member, which MemoryPack orders differently).
        private static IPropertySymbol? Property(INamedTypeSymbol record, ParameterSyntax parameter)
        {
            foreach (ISymbol member in record.GetMembers(parameter.Identifier.ValueText))
            {
                if (member is IPropertySymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } property
                    && property.DeclaringSyntaxReferences.Length == 1
                    && property.DeclaringSyntaxReferences[0] is { } reference
                    && reference.SyntaxTree == parameter.SyntaxTree && reference.Span == parameter.Span)
                    return property;
            }
            return null;
        }

        // Every field and property the record declares, of any accessibility, other than what the compiler adds:
        // a positional record whose only data members are its parameters has exactly as many.
        private static int CountDataMembers(INamedTypeSymbol record)
        {
            int count = 0;
            foreach (ISymbol member in record.GetMembers())
            {
                if (member.IsStatic || member.IsImplicitlyDeclared)
                    continue;
                if (member is IFieldSymbol { IsConst: false } || member is IPropertySymbol)
                    count++;
            }
            return count;
        }

        // Strings, and what both formatters write as its raw bytes: unmanaged structs (primitives, enums, DateTime, Guid,
        // user structs without references) that are neither nullable nor [MemoryPackable].
        private static bool IsDirectType(ITypeSymbol type)
            => type.SpecialType == SpecialType.System_String || TypeAnalyzer.IsRawUnmanaged(type);

        private static bool HasMemoryPackAttribute(ISymbol symbol)
        {
            foreach (AttributeData attribute in symbol.GetAttributes())
            {
                if (IsMemoryPacks(attribute))
                    return true;
            }
            return false;
        }

        private static bool IsMemoryPacks(AttributeData attribute)
        {
            for (INamespaceSymbol? ns = attribute.AttributeClass?.ContainingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
            {
                if (ns.ContainingNamespace is { IsGlobalNamespace: true } && ns.Name == "MemoryPack")
                    return true;
            }
            return false;
        }
    }
}
