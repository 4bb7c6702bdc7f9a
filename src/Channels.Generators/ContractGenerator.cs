using Microsoft.CodeAnalysis;

namespace Channels.Generators;

/// <summary>Generates endpoints, codecs, fingerprints and the child-entry registry for channel contracts.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ContractGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
