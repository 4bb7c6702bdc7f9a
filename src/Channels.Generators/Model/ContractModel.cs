using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>Everything needed to emit one contract file; values only, so that an unchanged contract is cached.</summary>
/// <param name="HintName">The generated file's hint name.</param>
/// <param name="Namespace">The namespace ("" for the global namespace).</param>
/// <param name="Name">The interface name.</param>
/// <param name="FullyQualifiedName">global::-qualified name.</param>
/// <param name="DescriptorName">The contract name sent on the wire (<c>Demo.IWorker</c>).</param>
/// <param name="ContainingTypes">Outermost first.</param>
/// <param name="Kind">Link or queue.</param>
/// <param name="Fingerprint">The 64-bit schema fingerprint.</param>
/// <param name="Lanes">In wire order.</param>
/// <param name="Codecs">Ordered by first use.</param>
internal sealed record ContractModel(
    string HintName,
    string Namespace,
    string Name,
    string FullyQualifiedName,
    string DescriptorName,
    EquatableArray<ContainingTypeModel> ContainingTypes,
    ContractKind Kind,
    ulong Fingerprint,
    EquatableArray<LaneModel> Lanes,
    EquatableArray<CodecModel> Codecs);
