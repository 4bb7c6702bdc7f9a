namespace Channels.Generators.Model;

/// <summary>Whether a contract is a point-to-point link or a set of process queues.</summary>
internal enum ContractKind
{
    Link,
    Queue,
}
