namespace Channels;

/// <summary>What a child is handed: the peer end of a link, or an open queue contract.</summary>
internal enum ChildEndpointKind
{
    Link,
    Queue,
}
