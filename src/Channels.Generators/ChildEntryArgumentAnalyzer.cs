using System.Collections.Immutable;
using Channels.Generators.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Channels.Generators;

/// <summary>
/// CHN022: the <c>entry</c> argument of <c>ChildProcess.StartAsync</c> must be a static method marked [ChildEntry].
/// The child is a new process that finds its entry by name in the generated registry, so a lambda, a local function,
/// an instance method or an unregistered method would compile and fail only when the child starts. Reported at the
/// argument. (The runtime gives its Task-returning overloads priority, so an async lambda binds instead of being
/// ambiguous with the ValueTask overloads (CS0121), and this diagnostic is what the user sees.)
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ChildEntryArgumentAnalyzer : DiagnosticAnalyzer
{
    private const string ChildProcessType = "Channels.ChildProcess";
    private const string EntryParameter = "entry";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ChildEntryArgument);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            INamedTypeSymbol? childProcess = start.Compilation.GetTypeByMetadataName(ChildProcessType);
            INamedTypeSymbol? entryAttribute = start.Compilation.GetTypeByMetadataName(KnownTypes.ChildEntryAttribute);
            if (childProcess is null || entryAttribute is null)
                return;
            start.RegisterOperationAction(operation => Analyze(operation, childProcess, entryAttribute), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol childProcess, INamedTypeSymbol entryAttribute)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, childProcess))
            return;
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter is not { Name: EntryParameter, Type.TypeKind: TypeKind.Delegate })
                continue;
            string? problem = Problem(argument.Value, entryAttribute);
            if (problem is not null)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ChildEntryArgument, argument.Value.Syntax.GetLocation(), problem));
        }
    }

    /// <summary>What is wrong with the entry argument, or null when it is a static [ChildEntry] method (or a delegate value the compiler cannot see through).</summary>
    private static string? Problem(IOperation value, INamedTypeSymbol entryAttribute)
    {
        if (value is IDelegateCreationOperation creation)
            value = creation.Target;
        switch (value)
        {
            case IAnonymousFunctionOperation:
                return "is a lambda";
            case IMethodReferenceOperation { Method: var method }:
                if (method.MethodKind == MethodKind.LocalFunction)
                    return "'" + method.Name + "' is a local function";
                if (!method.IsStatic)
                    return "'" + method.Name + "' is an instance method";
                foreach (AttributeData attribute in method.GetAttributes())
                {
                    if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, entryAttribute))
                        return null;
                }
                return "'" + method.Name + "' is not marked [ChildEntry]";
            default:
                return null;
        }
    }
}
