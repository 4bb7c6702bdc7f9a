using Channels.Contracts;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>
/// A child writing byte arrays of every size, SIGKILLed at random moments: a large array's frame is received straight
/// into the array the reader gets, so a kill in the middle of one must still leave the reader a prefix of the sent
/// sequence, whole arrays only, then <see cref="PeerLostException"/>, over the socket and over shared memory.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class KilledArrayWriterTests(ITestOutputHelper output)
{
    private const int Trials = 24;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnArrayWriterKilledAtRandomMomentsLeavesAPrefixOfWholeArraysThenPeerLost(bool sharedMemory)
    {
        using var directory = new TestRuntimeDirectory { SharedMemory = sharedMemory };
        var random = new Random(sharedMemory ? 11 : 7);
        int[] delays = new int[Trials];
        for (int i = 0; i < Trials; i++)
            delays[i] = random.Next(0, 40);
        long[] received = new long[Trials];
        await Parallel.ForEachAsync(Enumerable.Range(0, Trials), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (trial, _) => received[trial] = await TrialAsync(directory, trial, delays[trial]));
        output.WriteLine($"{Trials} trials over {(sharedMemory ? "shared memory" : "the socket")}, {received.Sum()} arrays received");
        Assert.All(received, count => Assert.True(count > 0));
    }

    private static async Task<long> TrialAsync(TestRuntimeDirectory directory, int trial, int delayMs)
    {
        string endpoint = "arrays-" + trial;
        await using var listener = IBlobs.Listen(endpoint, directory.Options());
        await using Child child = Child.Start(directory, "stream-arrays", [endpoint]);
        await using IBlobs opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));
        ((IChannelEndpoint)opener).Link.AttachPeerProcess(child.Process);
        long next = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Exception?> reader = Task.Run<Exception?>(async () =>
        {
            try
            {
                while (true)
                {
                    byte[] array = await opener.Uploads.ReadAsync();
                    // Whole and in order: exactly the next array, every byte.
                    Assert.True(KillScenarios.ArrayOf(next).AsSpan().SequenceEqual(array), $"trial {trial}: array {next} ({array.Length} bytes) arrived changed");
                    next++;
                    first.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                return ex;
            }
        });
        await child.WaitForLineAsync("ready", Timeout);
        await Task.WhenAny(first.Task, reader).WaitAsync(Timeout);
        await Task.Delay(delayMs);
        child.Kill();
        Exception? end = await reader.WaitAsync(Timeout);
        Assert.True(end is PeerLostException, $"trial {trial}: after {next} arrays the reader ended with {end}");
        return next;
    }
}
