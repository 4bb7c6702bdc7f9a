using System.Threading.Channels;
using Channels.Contracts;

namespace Channels;

// INTERFACE SKETCH (owned by the runtime-core work): the members generated code calls are fixed
// (CreateWriter, CreateReader, Contract, DisposeAsync); everything else is free to change.

/// <summary>
/// One connection between two endpoints of a link contract, carrying all its lanes. Generated endpoints create
/// their typed lanes on it; transports feed it frames.
/// </summary>
public abstract class ChannelLink : IAsyncDisposable
{
    private protected ChannelLink(ContractDescriptor contract)
    {
        Contract = contract;
    }

    /// <summary>The contract this link carries.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>Creates the writer of lane number <paramref name="lane"/>; called once per lane by generated code.</summary>
    public abstract ChannelWriter<T> CreateWriter<T>(int lane, ILaneCodec<T> codec);

    /// <summary>Creates the reader of lane number <paramref name="lane"/>; called once per lane by generated code.</summary>
    public abstract ChannelReader<T> CreateReader<T>(int lane, ILaneCodec<T> codec);

    /// <summary>Completes this side's writers and closes the link.</summary>
    public abstract ValueTask DisposeAsync();

    internal (string Endpoint, byte[] Key) DetachForChild() => throw new NotImplementedException();

    internal void AttachPeerProcess(System.Diagnostics.Process process) => throw new NotImplementedException();
}
