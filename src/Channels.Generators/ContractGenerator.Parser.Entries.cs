using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    private static ChildEntryResult ParseChildEntry(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        string name = method.ContainingType.Name + "." + method.Name;
        if (context.TargetNode is LocalFunctionStatementSyntax local)
        {
            return new ChildEntryResult(null, null, EquatableArray<FormatterModel>.Empty, new EquatableArray<DiagnosticInfo>(new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.ChildEntryNotAccessible, LocationInfo.From(local.Identifier), method.Name,
                    "is a local function, which generated code cannot call; declare it as a static method of a type"),
            }));
        }
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        LocationInfo? at = LocationInfo.From(syntax.Identifier);

        ChildEntryResult Fail(DiagnosticDescriptor descriptor, string problem)
            => new(null, at, EquatableArray<FormatterModel>.Empty, new EquatableArray<DiagnosticInfo>(new[] { DiagnosticInfo.Create(descriptor, at, name, problem) }));

        if (RegistrationProblem(method, "must be static") is { } registration)
            return Fail(registration.IsSignature ? DiagnosticDescriptors.ChildEntrySignature : DiagnosticDescriptors.ChildEntryNotAccessible, registration.Problem);

        EntryReturnKind? returnKind = ClassifyReturn(method);
        if (returnKind is null)
            return Fail(DiagnosticDescriptors.ChildEntrySignature, "returns '" + method.ReturnType.ToDisplayString() + "'");
        if (method.IsAsync && method.ReturnsVoid)
            return Fail(DiagnosticDescriptors.ChildEntrySignature, "is async void, so its end cannot be observed; return Task");

        ImmutableArray<IParameterSymbol> parameters = method.Parameters;
        if (parameters.Length == 0 || parameters.Length > 3)
            return Fail(DiagnosticDescriptors.ChildEntrySignature, "has " + parameters.Length.ToString(CultureInfo.InvariantCulture) + " parameters");
        foreach (IParameterSymbol parameter in parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.IsParams)
                return Fail(DiagnosticDescriptors.ChildEntrySignature, "has a ref, out, in or params parameter '" + parameter.Name + "'");
        }

        INamedTypeSymbol? contract = ResolveEndpoint(context, syntax, parameters[0].Type, cancellationToken, out bool isQueue, out string? endpointProblem);
        if (contract is null)
            return Fail(DiagnosticDescriptors.ChildEntrySignature, endpointProblem!);

        bool hasToken = parameters.Length > 1 && IsCancellationToken(parameters[parameters.Length - 1].Type);
        int argumentCount = parameters.Length - 1 - (hasToken ? 1 : 0);
        for (int i = 1; i < parameters.Length - (hasToken ? 1 : 0); i++)
        {
            if (IsCancellationToken(parameters[i].Type))
                return Fail(DiagnosticDescriptors.ChildEntrySignature, "takes its CancellationToken before the argument; put it last");
        }
        if (argumentCount > 1)
            return Fail(DiagnosticDescriptors.ChildEntrySignature, "takes more than one argument besides the endpoint (the last parameter is not a CancellationToken)");

        var diagnostics = new List<DiagnosticInfo>();
        string? argumentType = null;
        var formatters = EquatableArray<FormatterModel>.Empty;
        if (argumentCount == 1)
        {
            ITypeSymbol argument = parameters[1].Type;
            argumentType = TypeAnalyzer.Display(argument);
            var analyzer = new TypeAnalyzer(context.SemanticModel.Compilation);
            analyzer.Analyze(argument, out string? error);
            if (error is not null)
            {
                TypeSyntax? argumentSyntax = syntax.ParameterList.Parameters.Count > 1 ? syntax.ParameterList.Parameters[1].Type : null;
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MessageNotSerializable, LocationInfo.From(argumentSyntax) ?? at, parameters[1].Name, error));
            }
            formatters = analyzer.Formatters.ToEquatableArray();
        }

        var model = new ChildEntryModel(
            TypeAnalyzer.MetadataName(method.ContainingType) + "." + method.Name,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifiers.Escape(method.Name),
            isQueue,
            contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            argumentType,
            hasToken,
            returnKind.Value);
        return new ChildEntryResult(model, at, formatters, diagnostics.ToEquatableArray());
    }

    /// <summary>
    /// The contract behind an entry's first parameter. The Peer interface of a contract in this compilation is
    /// generated by this generator and therefore invisible here (an error type): it is resolved through the
    /// qualified name's left side.
    /// </summary>
    private static INamedTypeSymbol? ResolveEndpoint(GeneratorAttributeSyntaxContext context, MethodDeclarationSyntax syntax, ITypeSymbol type, CancellationToken cancellationToken, out bool isQueue, out string? problem)
    {
        isQueue = false;
        problem = null;
        if (type is INamedTypeSymbol named && named.TypeKind != TypeKind.Error && TypeAnalyzer.HasAttribute(named, KnownTypes.ChannelContractAttribute))
        {
            if (IsQueueContract(named))
            {
                isQueue = true;
                return named;
            }
            problem = "receives the contract '" + named.Name + "' itself; a child receives the other end of a link: declare the parameter as '" + named.Name + ".Peer'";
            return null;
        }

        if (type.Name == "Peer")
        {
            INamedTypeSymbol? owner = type.ContainingType;
            if ((owner is null || !TypeAnalyzer.HasAttribute(owner, KnownTypes.ChannelContractAttribute))
                && syntax.ParameterList.Parameters.Count > 0
                && syntax.ParameterList.Parameters[0].Type is QualifiedNameSyntax qualified)
            {
                owner = context.SemanticModel.GetSymbolInfo(qualified.Left, cancellationToken).Symbol as INamedTypeSymbol;
            }
            if (owner is not null && TypeAnalyzer.HasAttribute(owner, KnownTypes.ChannelContractAttribute))
            {
                if (!IsQueueContract(owner))
                    return owner;
                problem = "receives a Peer of queue contract '" + owner.Name + "', which has none; declare the parameter as '" + owner.Name + "'";
                return null;
            }
        }

        problem = "takes '" + type.ToDisplayString() + "' as its endpoint";
        return null;
    }

    private static bool IsQueueContract(INamedTypeSymbol contract)
    {
        foreach (ISymbol member in contract.GetMembers())
        {
            if (member is IPropertySymbol property && ClassifyLane(property.Type) == LaneKind.Queue)
                return true;
        }
        return false;
    }

    private static bool IsCancellationToken(ITypeSymbol type)
        => SymbolNames.Is(type as INamedTypeSymbol, KnownTypes.CancellationToken);

    private static EntryReturnKind? ClassifyReturn(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
            return EntryReturnKind.Void;
        if (method.ReturnType.SpecialType == SpecialType.System_Int32)
            return EntryReturnKind.Int;
        if (method.ReturnType is not INamedTypeSymbol named)
            return null;
        bool ofInt = named.TypeArguments.Length == 1 && named.TypeArguments[0].SpecialType == SpecialType.System_Int32;
        if (SymbolNames.Is(named, KnownTypes.Task))
            return EntryReturnKind.Task;
        if (SymbolNames.Is(named, KnownTypes.ValueTask))
            return EntryReturnKind.ValueTask;
        if (ofInt && SymbolNames.Is(named.OriginalDefinition, KnownTypes.TaskOfT))
            return EntryReturnKind.TaskOfInt;
        if (ofInt && SymbolNames.Is(named.OriginalDefinition, KnownTypes.ValueTaskOfT))
            return EntryReturnKind.ValueTaskOfInt;
        return null;
    }

    /// <summary>
    /// What keeps a method from being registered by name for another process ([ChildEntry], [PoolFunction]), checked
    /// before its signature: not static, not accessible to generated code (both reported as not accessible), or
    /// generic itself or in a generic type (reported as a signature problem). <see langword="null"/> when none.
    /// </summary>
    private static (string Problem, bool IsSignature)? RegistrationProblem(IMethodSymbol method, string notStatic)
    {
        if (!method.IsStatic)
            return (notStatic, false);
        if (EntryInaccessibility(method) is { } inaccessible)
            return (inaccessible, false);
        if (method.IsGenericMethod)
            return ("must not be generic", true);
        for (INamedTypeSymbol? outer = method.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsGenericType)
                return ("must not be declared in a generic type", true);
        }
        return null;
    }

    private static string? EntryInaccessibility(IMethodSymbol method)
    {
        if (method.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            return "must be internal or public";
        for (INamedTypeSymbol? outer = method.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.IsFileLocal || outer.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                return "is declared in '" + outer.Name + "', which the generated registry cannot reach; make it internal or public";
        }
        return null;
    }

    private static ChildEntryRegistryModel BuildRegistry(ImmutableArray<ChildEntryResult> results)
    {
        var candidates = new List<(ChildEntryModel, string, LocationInfo?)>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (ChildEntryResult result in results)
        {
            diagnostics.AddRange(result.Diagnostics);
            if (result.Entry is not null)
                candidates.Add((result.Entry, result.Entry.Key, result.Location));
        }
        List<ChildEntryModel> unique = UniqueByKey(candidates, diagnostics, DiagnosticDescriptors.ChildEntryNotAccessible,
            "has the same name as another [ChildEntry] method (overloads share a registry name); rename one");
        return new ChildEntryRegistryModel(unique.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    /// <summary>Syntax only: an invocation of a member named RunAsync on something named ChildProcess.</summary>
    private static bool IsRunAsyncCallCandidate(SyntaxNode node)
        => node is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax
            {
                Name.Identifier.ValueText: "RunAsync",
                Expression: IdentifierNameSyntax { Identifier.ValueText: "ChildProcess" } or QualifiedNameSyntax { Right.Identifier.ValueText: "ChildProcess" }
                    or AliasQualifiedNameSyntax { Name.Identifier.ValueText: "ChildProcess" } or MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ChildProcess" },
            },
        };

    /// <summary>Whether a candidate really calls <c>Channels.ChildProcess.RunAsync</c>.</summary>
    private static bool IsRunAsyncCall(GeneratorSyntaxContext context, CancellationToken cancellationToken)
        => context.SemanticModel.GetSymbolInfo(context.Node, cancellationToken).Symbol is IMethodSymbol method
            && method.ContainingType.ToDisplayString() == KnownTypes.ChildProcess;

    /// <summary>CHN020 as it would be reported: on the first entry (by name) of the registry, or null without entries.</summary>
    private static DiagnosticInfo? NeverRunDiagnostic(EquatableArray<ChildEntryModel> entries, ImmutableArray<ChildEntryResult> results)
    {
        if (entries.IsEmpty)
            return null;
        string first = entries[0].Key;
        LocationInfo? at = null;
        foreach (ChildEntryResult result in results)
        {
            if (result.Entry?.Key == first && (at is null || string.CompareOrdinal(result.Location?.FilePath, at.FilePath) < 0))
                at = result.Location;
        }
        return DiagnosticInfo.Create(DiagnosticDescriptors.ChildEntryNeverRun, at, first);
    }
}
