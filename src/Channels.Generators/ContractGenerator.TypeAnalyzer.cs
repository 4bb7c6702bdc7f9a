using System;
using System.Collections.Generic;
using System.Text;
using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    /// <summary>
    /// Walks message types the way MemoryPack serializes them: computes each type's canonical shape (for the
    /// schema fingerprint), finds the first member that cannot be serialized (with its path), and collects the
    /// plain types that need a generated formatter. One instance per parsed contract or entry; results are memoized
    /// per type, and a type met again while it is being walked (a recursive type) is referred to by name.
    /// </summary>
    private sealed class TypeAnalyzer
    {
        /// <summary>MemoryPack's object header holds up to 249 members (250..255 are reserved markers).</summary>
        private const int MaxObjectMembers = 249;

        private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        private readonly Compilation _compilation;
        private readonly Dictionary<ITypeSymbol, Analysis> _done = new(SymbolEqualityComparer.Default);
        private readonly HashSet<ITypeSymbol> _inProgress = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<string, FormatterModel> _formatters = new(StringComparer.Ordinal);

        public TypeAnalyzer(Compilation compilation) => _compilation = compilation;

        /// <summary>The plain types met so far, each needing a formatter.</summary>
        public List<FormatterModel> Formatters
        {
            get
            {
                var list = new List<FormatterModel>(_formatters.Values);
                list.Sort(static (a, b) => string.CompareOrdinal(a.Type, b.Type));
                return list;
            }
        }

        /// <summary>Analyzes <paramref name="type"/>; <paramref name="error"/> is "Path.To.Member: reason" when it cannot be serialized.</summary>
        public string Analyze(ITypeSymbol type, out string? error)
        {
            Analysis analysis = Get(type);
            error = analysis.Reason is null ? null : RootName(type) + analysis.Path + ": " + analysis.Reason;
            return analysis.Shape;
        }

        public static string Display(ITypeSymbol type) => type.ToDisplayString(FullyQualified);

        public static bool IsMemoryPackable(ITypeSymbol type) => HasAttribute(type, KnownTypes.MemoryPackable);

        /// <summary>Copied as raw bytes: what MemoryPack does for unmanaged structs that are not [MemoryPackable].</summary>
        public static bool IsRawUnmanaged(ITypeSymbol type)
            => type.IsUnmanagedType && type.IsValueType && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T && !IsMemoryPackable(type);

        private static string RootName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

        private Analysis Get(ITypeSymbol type)
        {
            if (_done.TryGetValue(type, out Analysis? known))
                return known;
            if (_inProgress.Contains(type))
                return new Analysis("ref:" + Display(type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)), "", null);
            _inProgress.Add(type);
            Analysis result = Compute(type);
            _inProgress.Remove(type);
            _done[type] = result;
            return result;
        }

        private Analysis Compute(ITypeSymbol type)
        {
            switch (type)
            {
                case IErrorTypeSymbol:
                    return Ok("?");
                case ITypeParameterSymbol parameter:
                    return Fail("open type parameter '" + parameter.Name + "'", "use a concrete type");
                case IPointerTypeSymbol:
                case IFunctionPointerTypeSymbol:
                    return Fail("pointer type is not serializable", "send the data it points to as an array or an unmanaged struct");
                case IDynamicTypeSymbol:
                    return Fail("'dynamic' is not serializable; use a concrete type");
                case IArrayTypeSymbol array:
                {
                    Analysis element = Get(array.ElementType);
                    string shape = element.Shape + "[" + new string(',', array.Rank - 1) + "]";
                    return element.Reason is null ? Ok(shape) : new Analysis(shape, "[]" + element.Path, element.Reason);
                }
                case INamedTypeSymbol named:
                    return ComputeNamed(named);
                default:
                    return Fail("type '" + type.ToDisplayString() + "' is not serializable");
            }
        }

        private Analysis ComputeNamed(INamedTypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_Object)
                return Fail("'object' is not serializable; use a concrete type");
            if (type.SpecialType == SpecialType.System_String)
                return Ok("string");
            if (type.TypeKind == TypeKind.Enum)
                return Ok("enum:" + (type.EnumUnderlyingType?.SpecialType.ToString() ?? "?"));
            if (type.TypeKind == TypeKind.Delegate)
                return Fail("delegate type is not serializable", Advice.Delegate);
            if (IsStream(type))
                return Fail("a Stream is a handle to data, not data", Advice.Stream);
            if (type.IsRefLikeType)
                return Fail("ref struct is not serializable", "copy its data into an array or a plain struct");
            if (type.SpecialType != SpecialType.None && type.IsUnmanagedType)
                return Ok(type.SpecialType.ToString());

            if (HasAttribute(type, KnownTypes.MemoryPackUnion))
                return UnionShape(type);
            if (IsMemoryPackable(type))
                return MemoryPackableShape(type);

            string metadataName = MetadataName(type.OriginalDefinition);
            if (type.IsGenericType && Array.IndexOf(KnownTypes.BuiltInGenerics, metadataName) >= 0)
                return GenericShape(type, metadataName);
            if (Array.IndexOf(KnownTypes.BuiltInClasses, metadataName) >= 0 || Array.IndexOf(KnownTypes.BuiltInStructs, metadataName) >= 0)
                return Ok(metadataName);

            if (type.TypeKind == TypeKind.Interface)
                return Fail("interface without [MemoryPackUnion]", DeclaredInSource(type) ? Advice.Union : Advice.Concrete);
            if (type.TypeKind == TypeKind.Class && type.IsAbstract)
                return Fail("abstract class without [MemoryPackUnion]", DeclaredInSource(type) ? Advice.Union : Advice.Concrete);
            if (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct)
                return Fail("type kind " + type.TypeKind + " is not serializable", Advice.Concrete);

            if (type.IsUnmanagedType)
                return RawShape(type);
            return PlainShape(type);
        }

        private Analysis GenericShape(INamedTypeSymbol type, string metadataName)
        {
            var shape = new StringBuilder(metadataName).Append('<');
            string segment = metadataName == "System.Nullable`1" ? "" : "[]";
            for (int i = 0; i < type.TypeArguments.Length; i++)
            {
                Analysis argument = Get(type.TypeArguments[i]);
                if (argument.Reason is not null)
                    return new Analysis("", segment + argument.Path, argument.Reason);
                if (i > 0)
                    shape.Append(',');
                shape.Append(argument.Shape);
            }
            return Ok(shape.Append('>').ToString());
        }

        private Analysis UnionShape(INamedTypeSymbol type)
        {
            var shape = new StringBuilder("union{");
            foreach (AttributeData attribute in type.GetAttributes())
            {
                if (!SymbolNames.Is(attribute.AttributeClass, KnownTypes.MemoryPackUnion) || attribute.ConstructorArguments.Length < 2)
                    continue;
                shape.Append(Convert.ToString(attribute.ConstructorArguments[0].Value, System.Globalization.CultureInfo.InvariantCulture)).Append(':');
                if (attribute.ConstructorArguments[1].Value is ITypeSymbol member)
                    shape.Append(Get(member).Shape);
                shape.Append(';');
            }
            return Ok(shape.Append('}').ToString());
        }

        private Analysis MemoryPackableShape(INamedTypeSymbol type)
        {
            // MemoryPack's own generator checks the members of its types; here only the shape matters.
            List<Candidate> members = Candidates(type, memoryPackRules: true);
            var shape = new StringBuilder("mp{");
            foreach (Candidate member in members)
                shape.Append(member.Name).Append(':').Append(Get(member.Type).Shape).Append(';');
            return Ok(shape.Append('}').ToString());
        }

        private Analysis RawShape(INamedTypeSymbol type)
        {
            var shape = new StringBuilder("raw{");
            foreach (ISymbol member in type.GetMembers())
            {
                if (member.IsStatic)
                    continue;
                if (member is IFieldSymbol field && !field.IsConst && !field.IsImplicitlyDeclared)
                    shape.Append(field.Name).Append(':').Append(Get(field.Type).Shape).Append(';');
                else if (member is IPropertySymbol property && IsAutoProperty(property))
                    shape.Append(property.Name).Append(':').Append(Get(property.Type).Shape).Append(';');
            }
            return Ok(shape.Append('}').ToString());
        }

        private Analysis PlainShape(INamedTypeSymbol type)
        {
            if (type.IsFileLocal || !_compilation.IsSymbolAccessibleWithin(type, _compilation.Assembly))
                return Fail("type is not accessible to generated code; make it internal or public");
            if (ImplementsEnumerable(type))
                return Fail("collection type '" + type.ToDisplayString() + "' is not supported by MemoryPack; use an array, a List<T> or a [MemoryPackable] type");

            List<Candidate> candidates = Candidates(type, memoryPackRules: false);
            IMethodSymbol? constructor = ChooseConstructor(type, candidates, out int[] constructorMembers);
            if (constructor is null)
                return Fail("no public constructor whose parameters match its public members, and no parameterless constructor", DeclaredInSource(type) ? Advice.Packable : Advice.PlainData);

            var members = new List<FormatterMemberModel>();
            var arguments = new int[constructorMembers.Length];
            var initialized = new List<int>();
            var shape = new StringBuilder("obj{");
            for (int i = 0; i < candidates.Count; i++)
            {
                Candidate candidate = candidates[i];
                int parameterIndex = Array.IndexOf(constructorMembers, i);
                if (parameterIndex < 0 && !candidate.Settable)
                    continue;   // computed (get-only) members are not data

                Analysis member = Get(candidate.Type);
                if (member.Reason is not null)
                    return new Analysis("", "." + candidate.Name + member.Path, member.Reason);

                int index = members.Count;
                if (parameterIndex >= 0)
                    arguments[parameterIndex] = index;
                else
                    initialized.Add(index);
                members.Add(new FormatterMemberModel(
                    Identifiers.Escape(candidate.Name),
                    Display(candidate.Type),
                    Encoding(candidate.Type),
                    candidate.Type.IsReferenceType));
                shape.Append(candidate.Name).Append(':').Append(member.Shape).Append(';');
            }
            if (members.Count > MaxObjectMembers)
                return Fail("more than " + MaxObjectMembers + " serialized members", Advice.Split);

            string key = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            _formatters[key] = new FormatterModel(
                key,
                type.IsValueType,
                members.ToEquatableArray(),
                new EquatableArray<int>(arguments),
                initialized.ToEquatableArray());
            return Ok(shape.Append('}').ToString());
        }

        private static MemberEncoding Encoding(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_String)
                return MemberEncoding.String;
            return IsRawUnmanaged(type) ? MemberEncoding.Unmanaged : MemberEncoding.Value;
        }

        private IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, List<Candidate> candidates, out int[] members)
        {
            IMethodSymbol? best = null;
            int[] bestMembers = Array.Empty<int>();
            foreach (IMethodSymbol constructor in type.InstanceConstructors)
            {
                if (!_compilation.IsSymbolAccessibleWithin(constructor, _compilation.Assembly) || constructor.DeclaredAccessibility == Accessibility.Protected)
                    continue;
                if (constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type))
                    continue;   // a record's copy constructor
                var map = new int[constructor.Parameters.Length];
                bool matches = true;
                for (int p = 0; p < constructor.Parameters.Length && matches; p++)
                {
                    IParameterSymbol parameter = constructor.Parameters[p];
                    map[p] = -1;
                    for (int c = 0; c < candidates.Count; c++)
                    {
                        if (string.Equals(candidates[c].Name, parameter.Name, StringComparison.OrdinalIgnoreCase)
                            && SymbolEqualityComparer.Default.Equals(candidates[c].Type, parameter.Type)
                            && parameter.RefKind == RefKind.None)
                        {
                            map[p] = c;
                            break;
                        }
                    }
                    matches = map[p] >= 0;
                }
                if (matches && (best is null || constructor.Parameters.Length > best.Parameters.Length))
                {
                    best = constructor;
                    bestMembers = map;
                }
            }
            members = bestMembers;
            return best;
        }

        private static List<Candidate> Candidates(INamedTypeSymbol type, bool memoryPackRules)
        {
            var chain = new List<INamedTypeSymbol>();
            for (INamedTypeSymbol? t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
                chain.Insert(0, t);

            var result = new List<Candidate>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            bool ordered = false;
            foreach (INamedTypeSymbol declaring in chain)
            {
                foreach (ISymbol member in declaring.GetMembers())
                {
                    if (member.IsStatic || member.IsImplicitlyDeclared || HasAttribute(member, KnownTypes.MemoryPackIgnore))
                        continue;
                    bool included = memoryPackRules && HasAttribute(member, KnownTypes.MemoryPackInclude);
                    if (member.DeclaredAccessibility != Accessibility.Public && !included)
                        continue;
                    int order = OrderOf(member);
                    ordered |= order != int.MaxValue;
                    if (member is IFieldSymbol field && !field.IsConst)
                    {
                        if (names.Add(field.Name))
                            result.Add(new Candidate(field.Name, field.Type, !field.IsReadOnly, order));
                    }
                    else if (member is IPropertySymbol property && !property.IsIndexer && property.GetMethod is not null
                        && (property.GetMethod.DeclaredAccessibility == Accessibility.Public || included))
                    {
                        bool settable = property.SetMethod is not null && (property.SetMethod.DeclaredAccessibility == Accessibility.Public || included);
                        if (names.Add(property.Name))
                            result.Add(new Candidate(property.Name, property.Type, settable, order));
                    }
                }
            }
            if (ordered)
            {
                var sorted = new List<Candidate>(result);
                sorted.Sort(static (a, b) => a.Order.CompareTo(b.Order));
                return sorted;
            }
            return result;
        }

        private static int OrderOf(ISymbol member)
        {
            foreach (AttributeData attribute in member.GetAttributes())
            {
                if (SymbolNames.Is(attribute.AttributeClass, KnownTypes.MemoryPackOrder)
                    && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int order)
                    return order;
            }
            return int.MaxValue;
        }

        private static bool IsAutoProperty(IPropertySymbol property)
        {
            if (property.IsIndexer)
                return false;
            foreach (SyntaxReference reference in property.DeclaringSyntaxReferences)
            {
                SyntaxNode node = reference.GetSyntax();
                if (node is ParameterSyntax)
                    return true;   // a record's positional parameter
                if (node is PropertyDeclarationSyntax { AccessorList: { } accessors, ExpressionBody: null })
                {
                    foreach (AccessorDeclarationSyntax accessor in accessors.Accessors)
                    {
                        if (accessor.Body is not null || accessor.ExpressionBody is not null)
                            return false;
                    }
                    return true;
                }
                return false;
            }
            // Metadata: only public members are visible; a public settable property stands for its backing field.
            return property.SetMethod is not null && property.DeclaredAccessibility == Accessibility.Public;
        }

        private static bool ImplementsEnumerable(INamedTypeSymbol type)
        {
            foreach (INamedTypeSymbol implemented in type.AllInterfaces)
            {
                if (implemented.SpecialType == SpecialType.System_Collections_IEnumerable)
                    return true;
            }
            return false;
        }

        public static bool HasAttribute(ISymbol symbol, string metadataName)
        {
            ISymbol target = symbol is INamedTypeSymbol named ? named.OriginalDefinition : symbol;
            foreach (AttributeData attribute in target.GetAttributes())
            {
                if (SymbolNames.Is(attribute.AttributeClass, metadataName))
                    return true;
            }
            return false;
        }

        /// <summary>"System.Collections.Generic.List`1", nested types joined with '+'.</summary>
        public static string MetadataName(INamedTypeSymbol type)
        {
            if (type.ContainingType is not null)
                return MetadataName(type.ContainingType) + "+" + type.MetadataName;
            if (type.ContainingNamespace is null || type.ContainingNamespace.IsGlobalNamespace)
                return type.MetadataName;
            return type.ContainingNamespace.ToDisplayString() + "." + type.MetadataName;
        }

        private static Analysis Ok(string shape) => new(shape, "", null);

        private static Analysis Fail(string reason) => new("", "", reason);

        /// <summary>A failure with the advice that fits the offending type ("reason; advice").</summary>
        private static Analysis Fail(string reason, string advice) => new("", "", reason + "; " + advice);

        private static bool DeclaredInSource(INamedTypeSymbol type) => !type.DeclaringSyntaxReferences.IsEmpty;

        /// <summary>System.IO.Stream or a type derived from it.</summary>
        internal static bool IsStream(ITypeSymbol type)
        {
            for (ITypeSymbol? current = type; current is not null; current = current.BaseType)
            {
                if (current is { Name: "Stream", ContainingNamespace: { Name: "IO", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } })
                    return true;
            }
            return false;
        }

        /// <summary>What to do about a type that cannot be serialized, by kind: [MemoryPackable] only where it can work.</summary>
        private static class Advice
        {
            public const string Stream = "send its bytes as byte[] or ReadOnlyMemory<byte> (a lane of byte[] chunks for large data)";
            public const string Delegate = "code does not cross processes: send the data it would act on and let the receiving side choose the code";
            public const string Union = "add [MemoryPackUnion] to it for each implementation, or use a concrete serializable type";
            public const string Concrete = "use a concrete serializable type (primitives, strings, arrays, lists, records of those)";
            public const string Packable = "mark it [MemoryPackable] and partial, or make it plain data (public members and a constructor taking them)";
            public const string PlainData = "it is not plain data: send the data it holds as a record of serializable members";
            public const string Split = "split it into smaller records";
        }

        /// <summary>A type's shape, and when it cannot be serialized, the path below it and the reason.</summary>
        private sealed record Analysis(string Shape, string Path, string? Reason);

        private sealed record Candidate(string Name, ITypeSymbol Type, bool Settable, int Order);
    }
}
