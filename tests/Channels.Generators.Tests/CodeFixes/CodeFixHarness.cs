using System.Collections.Immutable;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Channels.Generators.Tests.CodeFixes;

/// <summary>
/// Runs a code fix the way the IDE does, without the IDE: the user's files go into an <see cref="AdhocWorkspace"/>,
/// the generator reports its diagnostics on the project's compilation, the provider registers its actions for one
/// of them (or a fix-all context is built over all of them), and the action's changed solution is read back.
/// </summary>
internal sealed class CodeFixHarness : IDisposable
{
    private readonly AdhocWorkspace _workspace = new();

    public CodeFixHarness(params (string Path, string Text)[] sources)
    {
        ProjectId projectId = ProjectId.CreateNewId();
        var compilationOptions = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            });
        Solution solution = _workspace.CurrentSolution.AddProject(ProjectInfo.Create(
            projectId,
            VersionStamp.Default,
            "UserProject",
            "UserAssembly",
            LanguageNames.CSharp,
            compilationOptions: compilationOptions,
            parseOptions: GeneratorHarness.ParseOptions,
            metadataReferences: GeneratorHarness.References));
        foreach ((string path, string text) in sources)
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId, path), Path.GetFileName(path), SourceText.From(text), filePath: path);
        Assert.True(_workspace.TryApplyChanges(solution));
    }

    public Solution Solution => _workspace.CurrentSolution;

    public Project Project => Solution.Projects.Single();

    /// <summary>
    /// The generator's diagnostics on the project as it is now, located in the documents' syntax trees. The
    /// generator reports file-path locations; the IDE matches them to documents by path before it asks a code fix
    /// (and fix-all groups diagnostics by syntax tree), so the harness does the same.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> GeneratorDiagnosticsAsync(Project project)
    {
        var compilation = (CSharpCompilation)(await project.GetCompilationAsync())!;
        ImmutableArray<Diagnostic> reported = GeneratorHarness.Run(compilation).ChannelsDiagnostics;
        var located = ImmutableArray.CreateBuilder<Diagnostic>(reported.Length);
        foreach (Diagnostic diagnostic in reported)
        {
            Document document = DocumentAt(project, diagnostic.Location.GetLineSpan().Path);
            SyntaxTree tree = (await document.GetSyntaxTreeAsync())!;
            located.Add(Diagnostic.Create(
                diagnostic.Id, diagnostic.Descriptor.Category, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture),
                diagnostic.Severity, diagnostic.DefaultSeverity, diagnostic.Descriptor.IsEnabledByDefault, diagnostic.WarningLevel,
                diagnostic.Descriptor.Title, diagnostic.Descriptor.Description, diagnostic.Descriptor.HelpLinkUri,
                Location.Create(tree, diagnostic.Location.SourceSpan)));
        }
        return located.ToImmutable();
    }

    public static Document DocumentAt(Project project, string path) => project.Documents.Single(d => d.FilePath == path);

    /// <summary>The actions <paramref name="provider"/> offers for the diagnostics <paramref name="id"/> (all on one span, as the IDE batches them).</summary>
    public async Task<(Diagnostic Diagnostic, IReadOnlyList<CodeAction> Actions)> ActionsAsync(CodeFixProvider provider, string id)
    {
        ImmutableArray<Diagnostic> all = await GeneratorDiagnosticsAsync(Project);
        ImmutableArray<Diagnostic> diagnostics = all.Where(d => d.Id == id).ToImmutableArray();
        Assert.NotEmpty(diagnostics);
        Diagnostic diagnostic = diagnostics[0];
        Assert.All(diagnostics, d => Assert.Equal(diagnostic.Location, d.Location));
        Assert.Contains(id, provider.FixableDiagnosticIds);
        Document document = Solution.GetDocument(diagnostic.Location.SourceTree)!;
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic.Location.SourceSpan, diagnostics, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return (diagnostic, actions);
    }

    /// <summary>Applies the only action offered for the single diagnostic <paramref name="id"/> and returns the fixed solution.</summary>
    public async Task<Solution> ApplySingleAsync(CodeFixProvider provider, string id, string expectedTitle)
    {
        (_, IReadOnlyList<CodeAction> actions) = await ActionsAsync(provider, id);
        CodeAction action = Assert.Single(actions);
        Assert.Equal(expectedTitle, action.Title);
        return await ChangedSolutionAsync(action);
    }

    /// <summary>Fixes every diagnostic <paramref name="id"/> of the project in one go through the provider's fix-all provider.</summary>
    public async Task<Solution> FixAllAsync(CodeFixProvider provider, string id)
    {
        ImmutableArray<Diagnostic> all = await GeneratorDiagnosticsAsync(Project);
        ImmutableArray<Diagnostic> diagnostics = all.Where(d => d.Id == id).ToImmutableArray();
        Assert.True(diagnostics.Length > 1, "a fix-all test needs several diagnostics");
        Document document = Solution.GetDocument(diagnostics[0].Location.SourceTree)!;

        var actions = new List<CodeAction>();
        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostics[0], (action, _) => actions.Add(action), CancellationToken.None));
        CodeAction first = Assert.Single(actions);

        FixAllProvider fixAll = provider.GetFixAllProvider()!;
        Assert.Contains(FixAllScope.Project, fixAll.GetSupportedFixAllScopes());
        var context = new FixAllContext(document, provider, FixAllScope.Project, first.EquivalenceKey, new[] { id }, new FixedDiagnostics(diagnostics), CancellationToken.None);
        CodeAction? combined = await fixAll.GetFixAsync(context);
        Assert.NotNull(combined);
        return await ChangedSolutionAsync(combined);
    }

    public static async Task<string> TextAsync(Solution solution, string path)
    {
        Document document = DocumentAt(solution.Projects.Single(), path);
        return (await document.GetTextAsync()).ToString();
    }

    public void Dispose() => _workspace.Dispose();

    private static async Task<Solution> ChangedSolutionAsync(CodeAction action)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        ApplyChangesOperation apply = Assert.IsType<ApplyChangesOperation>(Assert.Single(operations));
        return apply.ChangedSolution;
    }

    /// <summary>Hands the generator's diagnostics to a fix-all context (the IDE would ask its analyzers and generators).</summary>
    private sealed class FixedDiagnostics(ImmutableArray<Diagnostic> diagnostics) : FixAllContext.DiagnosticProvider
    {
        public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult<IEnumerable<Diagnostic>>(diagnostics);

        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            SyntaxTree? tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return diagnostics.Where(d => d.Location.SourceTree == tree);
        }

        public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken)
            => Task.FromResult<IEnumerable<Diagnostic>>(Array.Empty<Diagnostic>());
    }
}
