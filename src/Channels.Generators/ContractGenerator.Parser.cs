using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    /// <summary>Names of members the generator adds to a contract or its Peer; a lane may not take them.</summary>
    private static readonly string[] ReservedNames =
    {
        "Definition", "CreatePipe", "Listen", "Peer", "ConnectAsync", "Create", "Open", "OpenAsync", "DisposeAsync",
    };

    private const int MaxLanes = ushort.MaxValue;

    private static ContractResult ParseContract(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var syntax = (InterfaceDeclarationSyntax)context.TargetNode;
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? identifier = LocationInfo.From(syntax.Identifier);
        string contractName = symbol.ToDisplayString();

        // Errors that would make the generated partial declaration itself invalid block emission; the others
        // (serializability, [Queue] misuse) leave a model so that user code referring to the endpoints still binds.
        bool blocked = false;
        void Block(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        {
            diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));
            blocked = true;
        }

        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            Block(DiagnosticDescriptors.ContractNotPartial, identifier, contractName);

        var containingTypes = new List<ContainingTypeModel>();
        bool nestedInGeneric = false;
        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!AllDeclarationsPartial(outer, cancellationToken))
                Block(DiagnosticDescriptors.ContainingTypeNotPartial, identifier, outer.ToDisplayString(), symbol.Name);
            nestedInGeneric |= outer.IsGenericType;
            containingTypes.Insert(0, new ContainingTypeModel(TypeKeyword(outer), outer.Name));
        }

        if (symbol.TypeParameters.Length > 0)
            Block(DiagnosticDescriptors.GenericContract, LocationInfo.From(syntax.TypeParameterList), contractName, "declares type parameters");
        else if (nestedInGeneric)
            Block(DiagnosticDescriptors.GenericContract, identifier, contractName, "is nested in a generic type");

        string? inaccessible = Inaccessibility(symbol);
        if (inaccessible is not null)
            Block(DiagnosticDescriptors.ContractNotAccessible, identifier, contractName, inaccessible);

        foreach (INamedTypeSymbol baseInterface in symbol.Interfaces)
        {
            if (SymbolNames.Is(baseInterface, KnownTypes.AsyncDisposable) || !HasMembers(baseInterface))
                continue;
            Block(DiagnosticDescriptors.ContractInheritsMembers, FindBaseList(symbol, baseInterface, cancellationToken) ?? identifier, contractName, baseInterface.ToDisplayString());
        }

        // Counted on syntax, before any member is bound: a contract over the wire's limit cannot be emitted anyway,
        // and binding tens of thousands of member types would only slow the IDE down.
        int propertyCount = CountProperties(symbol, cancellationToken);
        if (propertyCount > MaxLanes)
        {
            Block(DiagnosticDescriptors.TooManyLanes, identifier, contractName, propertyCount.ToString(CultureInfo.InvariantCulture));
            return new ContractResult(null, EquatableArray<FormatterModel>.Empty, diagnostics.ToEquatableArray());
        }

        // Lanes in declaration order: partial declarations ordered by file path, then position.
        var members = new List<ISymbol>();
        foreach (ISymbol member in symbol.GetMembers())
        {
            if (member.IsImplicitlyDeclared || member is IMethodSymbol { AssociatedSymbol: not null })
                continue;
            members.Add(member);
        }
        members.Sort(CompareByLocation);


        var analyzer = new TypeAnalyzer(context.SemanticModel.Compilation);
        var lanes = new List<LaneModel>();
        var laneLocations = new List<Location?>();
        var codecs = new List<CodecModel>();
        var codecNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var laneNames = new HashSet<string>(StringComparer.Ordinal);
        var fingerprintText = new StringBuilder();
        bool memberErrors = false;

        foreach (ISymbol member in members)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Location? memberLocation = member.Locations.Length > 0 ? member.Locations[0] : null;

            if (member is INamedTypeSymbol nested)
            {
                if (IsReserved(nested.Name))
                {
                    Block(DiagnosticDescriptors.DuplicateLaneName, LocationInfo.From(memberLocation), nested.Name, contractName, "takes a name the generator uses");
                    memberErrors = true;
                }
                continue;
            }

            if (member is not IPropertySymbol property)
            {
                Block(DiagnosticDescriptors.UnsupportedMember, LocationInfo.From(memberLocation), member.Name, contractName, DescribeNonProperty(member));
                memberErrors = true;
                continue;
            }

            LaneKind? kind = ClassifyLane(property.Type);
            CheckQueueAttribute(property, kind, diagnostics, cancellationToken);

            string? problem = DescribePropertyProblem(property, kind);
            if (problem is not null)
            {
                Block(DiagnosticDescriptors.UnsupportedMember, LocationInfo.From(memberLocation), property.Name, contractName, problem);
                memberErrors = true;
                continue;
            }
            if (IsReserved(property.Name) || !laneNames.Add(property.Name))
            {
                string why = IsReserved(property.Name) ? "takes a name the generator uses" : "is declared twice";
                Block(DiagnosticDescriptors.DuplicateLaneName, LocationInfo.From(memberLocation), property.Name, contractName, why);
                memberErrors = true;
                continue;
            }

            // A call lane has two message types (request, response); every other lane one.
            string MessageShape(int argument)
            {
                ITypeSymbol type = ((INamedTypeSymbol)property.Type).TypeArguments[argument];
                string analyzed = analyzer.Analyze(type, out string? error);
                if (error is not null && symbol.TypeParameters.Length == 0 && !nestedInGeneric)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MessageNotSerializable, LocationInfo.From(TypeArgumentSyntax(property, argument, cancellationToken)) ?? LocationInfo.From(memberLocation), property.Name, error));
                return analyzed;
            }

            string CodecFor(int argument, out string messageType)
            {
                ITypeSymbol type = ((INamedTypeSymbol)property.Type).TypeArguments[argument];
                messageType = TypeAnalyzer.Display(type);
                if (!codecNames.TryGetValue(messageType, out string? codec))
                {
                    codec = UniqueName("__Codec_" + Identifiers.Mangle(messageType), codecNames.Values);
                    codecNames.Add(messageType, codec);
                    codecs.Add(new CodecModel(codec, messageType, type.ToDisplayString(), TypeAnalyzer.IsRawUnmanaged(type), type.IsValueType,
                        type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte }, DirectCodecs.Find(type)));
                }
                return codec;
            }

            string shape = MessageShape(0);
            string codec = CodecFor(0, out string messageType);
            string? responseType = null, responseCodec = null;
            if (kind == LaneKind.Call)
            {
                shape += "->" + MessageShape(1);
                responseCodec = CodecFor(1, out string response);
                responseType = response;
            }

            (int capacity, bool redeliver) = kind == LaneKind.Queue ? QueueSettings(property) : (0, false);
            lanes.Add(new LaneModel(Identifiers.Escape(property.Name), kind!.Value, messageType, codec, capacity, redeliver) { ResponseType = responseType, ResponseCodec = responseCodec });
            laneLocations.Add(memberLocation);
            fingerprintText.Append(property.Name).Append('|')
                .Append(LaneKindName(kind.Value)).Append('|')
                .Append(kind == LaneKind.Reader ? '1' : '0').Append('|')
                .Append(capacity.ToString(CultureInfo.InvariantCulture)).Append('|')
                .Append(redeliver ? "redeliver|" : "")
                .Append(shape).Append('\n');
        }

        int linkLanes = 0;
        foreach (LaneModel lane in lanes)
            linkLanes += lane.Kind == LaneKind.Queue ? 0 : 1;
        int queueLanes = lanes.Count - linkLanes;
        if (linkLanes > 0 && queueLanes > 0)
        {
            bool queueIsMinority = linkLanes >= queueLanes;
            for (int i = 0; i < lanes.Count; i++)
            {
                if ((lanes[i].Kind == LaneKind.Queue) == queueIsMinority)
                {
                    Block(DiagnosticDescriptors.MixedLaneKinds, LocationInfo.From(laneLocations[i]), lanes[i].Name, contractName,
                        queueIsMinority ? "queue" : "link", queueIsMinority ? "link" : "queue");
                    break;
                }
            }
        }

        if (lanes.Count == 0 && !memberErrors)
            Block(DiagnosticDescriptors.NoLanes, identifier, contractName);
        if (lanes.Count == 0)
            blocked = true;

        ContractModel? model = null;
        if (!blocked)
        {
            model = new ContractModel(
                contractName + ".g.cs",
                symbol.ContainingNamespace is null || symbol.ContainingNamespace.IsGlobalNamespace ? "" : symbol.ContainingNamespace.ToDisplayString(),
                symbol.Name,
                symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                contractName,
                containingTypes.ToEquatableArray(),
                queueLanes > 0 ? ContractKind.Queue : ContractKind.Link,
                Fnv1a64.Hash(fingerprintText.ToString()),
                lanes.ToEquatableArray(),
                codecs.ToEquatableArray());
        }

        return new ContractResult(model, blocked ? EquatableArray<FormatterModel>.Empty : analyzer.Formatters.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private static int CountProperties(INamedTypeSymbol contract, CancellationToken cancellationToken)
    {
        int count = 0;
        foreach (SyntaxReference reference in contract.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not InterfaceDeclarationSyntax declaration)
                continue;
            foreach (MemberDeclarationSyntax member in declaration.Members)
            {
                if (member is PropertyDeclarationSyntax)
                    count++;
            }
        }
        return count;
    }

    private static LaneKind? ClassifyLane(ITypeSymbol type)
    {
        if (IsCallLane(type))
            return LaneKind.Call;
        if (type is not INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named)
            return null;
        INamedTypeSymbol definition = named.OriginalDefinition;
        if (SymbolNames.Is(definition, KnownTypes.ChannelWriter))
            return LaneKind.Writer;
        if (SymbolNames.Is(definition, KnownTypes.ChannelReader))
            return LaneKind.Reader;
        if (SymbolNames.Is(definition, KnownTypes.ProcessQueue))
            return LaneKind.Queue;
        return null;
    }

    private static string? DescribePropertyProblem(IPropertySymbol property, LaneKind? kind)
    {
        if (property.IsStatic)
            return "static members are not lanes";
        if (property.IsIndexer)
            return "indexers are not lanes";
        if (property.SetMethod is not null)
            return "a lane has no setter";
        if (property.GetMethod is null)
            return "a lane has a getter";
        if (!property.IsAbstract)
            return "a lane has no implementation in the contract";
        if (property.RefKind != RefKind.None)
            return "a lane is not returned by reference";
        if (kind is null)
            return "its type '" + property.Type.ToDisplayString() + "' is not ChannelReader<T>, ChannelWriter<T>, ChannelCall<TRequest, TResponse> or ProcessQueue<T>";
        return null;
    }

    private static string DescribeNonProperty(ISymbol member) => member switch
    {
        IMethodSymbol => "methods are not lanes",
        IEventSymbol => "events are not lanes",
        IFieldSymbol => "fields are not lanes",
        _ => "only properties are lanes",
    };

    private static void CheckQueueAttribute(IPropertySymbol property, LaneKind? kind, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        foreach (AttributeData attribute in property.GetAttributes())
        {
            if (!SymbolNames.Is(attribute.AttributeClass, KnownTypes.QueueAttribute))
                continue;
            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            if (kind != LaneKind.Queue)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.QueueOnNonQueueLane, LocationInfo.From(attributeSyntax), property.Name));
                continue;
            }
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key != "Capacity" || argument.Value.Value is not int capacity || capacity >= 0)
                    continue;
                AttributeArgumentSyntax? argumentSyntax = null;
                if (attributeSyntax?.ArgumentList is not null)
                {
                    foreach (AttributeArgumentSyntax candidate in attributeSyntax.ArgumentList.Arguments)
                    {
                        if (candidate.NameEquals?.Name.Identifier.ValueText == "Capacity")
                            argumentSyntax = candidate;
                    }
                }
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadQueueCapacity,
                    LocationInfo.From((SyntaxNode?)argumentSyntax ?? attributeSyntax), capacity.ToString(CultureInfo.InvariantCulture), property.Name));
            }
        }
    }

    private static (int Capacity, bool Redeliver) QueueSettings(IPropertySymbol property)
    {
        int capacity = 0;
        bool redeliver = false;
        foreach (AttributeData attribute in property.GetAttributes())
        {
            if (!SymbolNames.Is(attribute.AttributeClass, KnownTypes.QueueAttribute))
                continue;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == "Capacity" && argument.Value.Value is int value)
                    capacity = value;
                else if (argument.Key == "Redeliver" && argument.Value.Value is bool flag)
                    redeliver = flag;
            }
        }
        return (capacity, redeliver);
    }

    private static SyntaxNode? TypeArgumentSyntax(IPropertySymbol property, int argument, CancellationToken cancellationToken)
    {
        if (property.DeclaringSyntaxReferences.Length == 0 || property.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not PropertyDeclarationSyntax declaration)
            return null;
        TypeSyntax type = declaration.Type;
        GenericNameSyntax? generic = type switch
        {
            GenericNameSyntax g => g,
            QualifiedNameSyntax { Right: GenericNameSyntax g } => g,
            AliasQualifiedNameSyntax { Name: GenericNameSyntax g } => g,
            _ => null,
        };
        return generic is not null && generic.TypeArgumentList.Arguments.Count > argument ? generic.TypeArgumentList.Arguments[argument] : type;
    }

    private static bool IsReserved(string name) => Array.IndexOf(ReservedNames, name) >= 0 || name.StartsWith("__", StringComparison.Ordinal);

    private static bool AllDeclarationsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                return false;
        }
        return true;
    }

    private static string TypeKeyword(INamedTypeSymbol type)
    {
        if (type.IsRecord)
            return type.IsValueType ? "record struct" : "record";
        return type.TypeKind switch
        {
            TypeKind.Struct => "struct",
            TypeKind.Interface => "interface",
            _ => "class",
        };
    }

    /// <summary>Why generated code outside the contract's containing types cannot reach it, or null.</summary>
    private static string? Inaccessibility(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsFileLocal)
                return current.Equals(type, SymbolEqualityComparer.Default) ? "file-local" : "nested in file-local type '" + current.Name + "'";
            switch (current.DeclaredAccessibility)
            {
                case Accessibility.Private:
                case Accessibility.Protected:
                case Accessibility.ProtectedAndInternal:
                    string level = current.DeclaredAccessibility == Accessibility.Private ? "private"
                        : current.DeclaredAccessibility == Accessibility.Protected ? "protected" : "private protected";
                    return current.Equals(type, SymbolEqualityComparer.Default) ? level : "nested in " + level + " type '" + current.Name + "'";
            }
        }
        return null;
    }

    private static bool HasMembers(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers())
        {
            if (!member.IsImplicitlyDeclared)
                return true;
        }
        foreach (INamedTypeSymbol inherited in type.AllInterfaces)
        {
            if (!SymbolNames.Is(inherited, KnownTypes.AsyncDisposable) && inherited.GetMembers().Length > 0)
                return true;
        }
        return false;
    }

    private static LocationInfo? FindBaseList(INamedTypeSymbol contract, INamedTypeSymbol baseInterface, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in contract.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not InterfaceDeclarationSyntax { BaseList: { } baseList })
                continue;
            foreach (BaseTypeSyntax baseType in baseList.Types)
            {
                if (RightmostName(baseType.Type) == baseInterface.Name)
                    return LocationInfo.From(baseList);
            }
        }
        return null;
    }

    private static string? RightmostName(TypeSyntax type) => type switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => null,
    };

    private static int CompareByLocation(ISymbol left, ISymbol right)
    {
        Location? a = left.Locations.Length > 0 ? left.Locations[0] : null;
        Location? b = right.Locations.Length > 0 ? right.Locations[0] : null;
        int byPath = string.CompareOrdinal(a?.SourceTree?.FilePath, b?.SourceTree?.FilePath);
        return byPath != 0 ? byPath : (a?.SourceSpan.Start ?? 0).CompareTo(b?.SourceSpan.Start ?? 0);
    }

    private static string UniqueName(string candidate, IEnumerable<string> taken)
    {
        var used = new HashSet<string>(taken, StringComparer.Ordinal);
        if (!used.Contains(candidate))
            return candidate;
        for (int i = 2; ; i++)
        {
            string numbered = candidate + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (!used.Contains(numbered))
                return numbered;
        }
    }
}
