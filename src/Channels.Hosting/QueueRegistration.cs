namespace Channels.Hosting;

/// <summary>A queue contract registered as a singleton, created (hosted or opened) when the host starts.</summary>
internal sealed record QueueRegistration(Type ContractType);
