using Channels.Generators.Helpers;
using Channels.Generators.Model;

namespace Channels.Generators;

// Call lanes: each takes two wire lanes, requests (opener to peer) then responses (peer to opener).
public sealed partial class ContractGenerator
{
    private static void EmitCallDescriptors(SourceWriter writer, LaneModel lane)
    {
        string name = UnescapedName(lane.Name);
        writer.WriteLine($"new(\"{name}\", global::Channels.Contracts.LaneDirection.OpenerToPeer, \"{lane.MessageType}\"),");
        writer.WriteLine($"new(\"{name}.Responses\", global::Channels.Contracts.LaneDirection.PeerToOpener, \"{lane.ResponseType}\"),");
    }

    private static void EmitCallLaneCreation(SourceWriter writer, LaneModel lane, string requestLane, bool swapped)
    {
        string factory = swapped ? "CreateServer" : "CreateCaller";
        writer.WriteLine($"{lane.Name} = global::Channels.Calls.CallLanes.{factory}(link, {requestLane}, {lane.Codec}.Instance, {lane.ResponseCodec}.Instance);");
    }

    private static string CallLaneType(LaneModel lane, bool swapped)
        => $"global::Channels.{(swapped ? "ChannelCallServer" : "ChannelCall")}<{lane.MessageType}, {lane.ResponseType}>";
}
