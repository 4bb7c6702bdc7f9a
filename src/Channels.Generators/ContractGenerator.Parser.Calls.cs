using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Channels.Generators;

// Call lanes: ChannelCall<TRequest, TResponse> members of a link contract.
public sealed partial class ContractGenerator
{
    private static bool IsCallLane(ITypeSymbol type)
        => type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } named && SymbolNames.Is(named.OriginalDefinition, KnownTypes.ChannelCall);

    /// <summary>The lane kind's name in the fingerprint text: a changed kind changes the fingerprint.</summary>
    private static string LaneKindName(LaneKind kind) => kind switch
    {
        LaneKind.Reader => "reader",
        LaneKind.Writer => "writer",
        LaneKind.Call => "call",
        _ => "queue",
    };
}
