using Xunit;

namespace Channels.Runtime.Tests.Processes;

/// <summary>Tests that start many processes or inspect the shared runtime directory run alone.</summary>
[CollectionDefinition(nameof(ProcessTestsCollection), DisableParallelization = true)]
public sealed class ProcessTestsCollection
{
}
