using System.Threading.Channels;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Processes;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>Issue 15, point 4: an entry that throws faults the child's writers; its report is truncated, never dropped.</summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class ChildFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AThrowingEntryEndsTheParentsReadAllWithTheRemoteExceptionNotACompletion()
    {
        var (parent, child) = IEcho.CreatePipe();
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(child, EchoEntries.WriteThenThrow, "half-way", TestChildren.Options());
            var got = new List<long>();

            var closed = await Assert.ThrowsAsync<ChannelClosedException>(async () =>
            {
                await foreach (long answer in parent.Answers.ReadAllAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
                    got.Add(answer);
            });

            Assert.Equal([1L, 2L, 3L], got);
            RemoteException remote = Assert.IsType<RemoteException>(closed.InnerException);
            Assert.Equal(typeof(InvalidDataException).FullName, remote.RemoteType);
            Assert.Equal("half-way", remote.RemoteMessage);
            Assert.Contains(nameof(EchoEntries.WriteThenThrow), remote.RemoteStackTrace);
            Assert.Equal(1, await process.WaitForExitAsync().WaitAsync(Patience));
            Assert.Equal("half-way", process.Failure?.RemoteMessage);
        }
    }

    [Fact]
    public async Task A300KilobyteMessageIsTruncatedAndMarkedNotDropped()
    {
        const int Length = 300_000;
        var (parent, child) = IEcho.CreatePipe();
        await using (parent)
        {
            await using var process = await ChildProcess.StartAsync(child, EchoEntries.WriteThenThrow, "repeat:" + Length, TestChildren.Options());

            var closed = await Assert.ThrowsAsync<ChannelClosedException>(async () =>
            {
                await foreach (long _ in parent.Answers.ReadAllAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
                {
                }
            });
            Assert.IsType<RemoteException>(closed.InnerException);
            await process.WaitForExitAsync().WaitAsync(Patience);

            RemoteException failure = Assert.IsType<RemoteException>(process.Failure);
            Assert.Equal(typeof(InvalidDataException).FullName, failure.RemoteType);
            Assert.StartsWith(new string('m', 1000), failure.RemoteMessage);
            Assert.True(failure.RemoteMessage.Length < Length, "the message is cut");
            Assert.EndsWith($"[truncated: {Length} characters in all]", failure.RemoteMessage);
        }
    }
}
