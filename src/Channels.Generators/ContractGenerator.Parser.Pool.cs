using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators;

// [PoolFunction] methods (registered for ProcessPool workers) and the functions handed to ProcessPool's methods.
public sealed partial class ContractGenerator
{
    private static readonly string[] PoolMethods = { "MapAsync", "MapUnorderedAsync", "ApplyAsync" };

    private static PoolFunctionResult ParsePoolFunction(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        string name = method.ContainingType.Name + "." + method.Name;
        if (context.TargetNode is LocalFunctionStatementSyntax local)
        {
            return new PoolFunctionResult(null, null, EquatableArray<FormatterModel>.Empty, new EquatableArray<DiagnosticInfo>(new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.PoolFunctionNotAccessible, LocationInfo.From(local.Identifier), method.Name,
                    "is a local function, which a worker cannot find; declare it as a static method of a type"),
            }));
        }
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        LocationInfo? at = LocationInfo.From(syntax.Identifier);

        PoolFunctionResult Fail(DiagnosticDescriptor descriptor, string problem)
            => new(null, at, EquatableArray<FormatterModel>.Empty, new EquatableArray<DiagnosticInfo>(new[] { DiagnosticInfo.Create(descriptor, at, name, problem) }));

        if (RegistrationProblem(method, "is an instance method; a worker process has no instance to call it on: make it static") is { } registration)
            return Fail(registration.IsSignature ? DiagnosticDescriptors.PoolFunctionSignature : DiagnosticDescriptors.PoolFunctionNotAccessible, registration.Problem);

        ImmutableArray<IParameterSymbol> parameters = method.Parameters;
        foreach (IParameterSymbol parameter in parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.IsParams)
                return Fail(DiagnosticDescriptors.PoolFunctionSignature, "has a ref, out, in or params parameter '" + parameter.Name + "'");
        }
        bool hasToken = parameters.Length == 2 && IsCancellationToken(parameters[1].Type);
        if (parameters.Length == 0 || parameters.Length > 2 || (parameters.Length == 2 && !hasToken) || IsCancellationToken(parameters[0].Type))
            return Fail(DiagnosticDescriptors.PoolFunctionSignature, "takes " + parameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " parameter(s) that are not (argument) or (argument, CancellationToken)");

        ITypeSymbol? result = PoolResultType(method, hasToken, out string? returnProblem);
        if (result is null)
            return Fail(DiagnosticDescriptors.PoolFunctionSignature, returnProblem!);

        var analyzer = new TypeAnalyzer(context.SemanticModel.Compilation);
        var diagnostics = new List<DiagnosticInfo>();
        analyzer.Analyze(parameters[0].Type, out string? argumentError);
        if (argumentError is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PoolFunctionNotSerializable, LocationInfo.From(syntax.ParameterList.Parameters[0].Type) ?? at, name, "parameter '" + parameters[0].Name + "'", argumentError));
        analyzer.Analyze(result, out string? resultError);
        if (resultError is not null)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PoolFunctionNotSerializable, LocationInfo.From(syntax.ReturnType) ?? at, name, "result", resultError));
        if (diagnostics.Count > 0)
            return new PoolFunctionResult(null, at, EquatableArray<FormatterModel>.Empty, diagnostics.ToEquatableArray());

        var model = new PoolFunctionModel(
            TypeAnalyzer.MetadataName(method.ContainingType) + "." + method.Name,
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifiers.Escape(method.Name),
            TypeAnalyzer.Display(parameters[0].Type),
            TypeAnalyzer.Display(result));
        return new PoolFunctionResult(model, at, analyzer.Formatters.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>The result type of <c>TResult F(TArg)</c> or <c>Task&lt;TResult&gt; F(TArg, CancellationToken)</c>, else null and why.</summary>
    private static ITypeSymbol? PoolResultType(IMethodSymbol method, bool hasToken, out string? problem)
    {
        problem = null;
        if (method.ReturnsVoid)
        {
            problem = "returns void; a pool function returns its result";
            return null;
        }
        var named = method.ReturnType as INamedTypeSymbol;
        bool isTaskOfT = named is { TypeArguments.Length: 1 } && SymbolNames.Is(named.OriginalDefinition, KnownTypes.TaskOfT);
        bool isAwaitable = isTaskOfT || SymbolNames.Is(named, KnownTypes.Task) || SymbolNames.Is(named, KnownTypes.ValueTask)
            || (named is { TypeArguments.Length: 1 } && SymbolNames.Is(named.OriginalDefinition, KnownTypes.ValueTaskOfT));
        if (hasToken && isTaskOfT)
            return named!.TypeArguments[0];
        if (!hasToken && !isAwaitable)
            return method.ReturnType;
        problem = hasToken
            ? "takes a CancellationToken but returns '" + method.ReturnType.ToDisplayString() + "'; an asynchronous pool function returns Task<TResult>"
            : "returns '" + method.ReturnType.ToDisplayString() + "' without a CancellationToken; an asynchronous pool function is Task<TResult> F(TArg, CancellationToken)";
        return null;
    }

    private static PoolFunctionRegistryModel BuildPoolRegistry(ImmutableArray<PoolFunctionResult> results)
    {
        var candidates = new List<(PoolFunctionModel, string, LocationInfo?)>();
        var diagnostics = new List<DiagnosticInfo>();
        foreach (PoolFunctionResult result in results)
        {
            diagnostics.AddRange(result.Diagnostics);
            if (result.Function is not null)
                candidates.Add((result.Function, result.Function.Key, result.Location));
        }
        List<PoolFunctionModel> unique = UniqueByKey(candidates, diagnostics, DiagnosticDescriptors.PoolFunctionNotAccessible,
            "has the same name as another [PoolFunction] method (overloads share a registry name); rename one");
        return new PoolFunctionRegistryModel(unique.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    /// <summary>Syntax only: a call of a method named like ProcessPool's work methods, with arguments.</summary>
    private static bool IsPoolMethodCall(SyntaxNode node)
        => node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access, ArgumentList.Arguments.Count: > 0 }
           && System.Array.IndexOf(PoolMethods, access.Name.Identifier.ValueText) >= 0;

    /// <summary>The CHN016 diagnostic for a call of ProcessPool's work methods whose function is not a static [PoolFunction] method, or null.</summary>
    private static DiagnosticInfo? CheckPoolMethodCall(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        SymbolInfo called = context.SemanticModel.GetSymbolInfo(invocation, cancellationToken);
        IMethodSymbol? method = called.Symbol as IMethodSymbol ?? (called.CandidateSymbols.Length > 0 ? called.CandidateSymbols[0] as IMethodSymbol : null);
        if (method is null || !SymbolNames.Is(method.ContainingType, KnownTypes.ProcessPool))
            return null;

        ExpressionSyntax function = invocation.ArgumentList.Arguments[0].Expression;
        string methodName = method.Name;
        DiagnosticInfo Report(string what) => DiagnosticInfo.Create(DiagnosticDescriptors.PoolFunctionNotMarked, LocationInfo.From(function), methodName, what);

        if (function is LambdaExpressionSyntax or AnonymousMethodExpressionSyntax)
            return Report("a lambda, which a worker process cannot find by name");
        SymbolInfo target = context.SemanticModel.GetSymbolInfo(function, cancellationToken);
        ISymbol? symbol = target.Symbol ?? (target.CandidateSymbols.Length > 0 ? target.CandidateSymbols[0] : null);
        if (symbol is not IMethodSymbol functionMethod)
            return Report("a delegate value ('" + function.ToString() + "'), which cannot be checked at compile time; pass the [PoolFunction] method itself");
        if (functionMethod.MethodKind == MethodKind.LocalFunction)
            return Report("the local function '" + functionMethod.Name + "', which a worker process cannot find");
        if (!functionMethod.IsStatic)
            return Report("the instance method '" + functionMethod.Name + "', which a worker process has no instance to call on");
        if (!TypeAnalyzer.HasAttribute(functionMethod, KnownTypes.PoolFunctionAttribute))
            return Report("the method '" + functionMethod.ContainingType.Name + "." + functionMethod.Name + "', which is not marked [PoolFunction]");
        return null;
    }
}
