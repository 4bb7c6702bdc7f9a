using Channels.Contracts;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>
/// Issue 11, acceptance 2: a writer SIGKILLed at random moments. Whatever the moment (between messages, inside a
/// message that spans several ring records, inside a large array received straight into the reader's array, while
/// the reader sleeps), the reader receives a prefix of the sent sequence, whole messages only, then
/// <see cref="PeerLostException"/>. Trials run four at a time; a child may take long to start on a loaded machine,
/// so only its connection has a long timeout.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class KilledWriterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AWriterKilledAtRandomMomentsLeavesAPrefixOfWholeMessagesThenPeerLost()
    {
        using var directory = new TestRuntimeDirectory { SharedMemory = true };
        await RunTrialsAsync("receipts over shared memory", trials: 200, seed: 2026, maxDelayMs: 60, async (trial, delayMs) =>
        {
            string endpoint = "victim-" + trial;
            await using var listener = ITransfer.Listen(endpoint, directory.Options());
            await using Child child = Child.Start(directory, "stream-varied", [endpoint]);
            await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));
            ((IChannelEndpoint)opener).Link.AttachPeerProcess(child.Process);
            return await KillMidStreamAsync(child, trial, delayMs, async next =>
            {
                Receipt receipt = await opener.Receipts.ReadAsync();
                // Whole and in order: the id is the next one, and the note is exactly the one sent with it.
                Assert.Equal(next, receipt.OrderId);
                Assert.Equal((ulong)next * 31, receipt.Checksum);
                Assert.Equal(KillScenarios.NoteOf(next), receipt.Note);
            });
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnArrayWriterKilledAtRandomMomentsLeavesAPrefixOfWholeArraysThenPeerLost(bool sharedMemory)
    {
        // A third of the arrays are 16 KiB to 300 KB: their frames are received straight into the reader's array.
        using var directory = new TestRuntimeDirectory { SharedMemory = sharedMemory };
        await RunTrialsAsync(sharedMemory ? "arrays over shared memory" : "arrays over the socket", trials: 24, seed: sharedMemory ? 11 : 7, maxDelayMs: 40, async (trial, delayMs) =>
        {
            string endpoint = "arrays-" + trial;
            await using var listener = IBlobs.Listen(endpoint, directory.Options());
            await using Child child = Child.Start(directory, "stream-arrays", [endpoint]);
            await using IBlobs opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));
            ((IChannelEndpoint)opener).Link.AttachPeerProcess(child.Process);
            return await KillMidStreamAsync(child, trial, delayMs, async next =>
            {
                byte[] array = await opener.Uploads.ReadAsync();
                Assert.True(KillScenarios.ArrayOf(next).AsSpan().SequenceEqual(array), $"trial {trial}: array {next} ({array.Length} bytes) arrived changed");
            });
        });
    }

    // Runs the trials four at a time, each killing its writer a random number of milliseconds (below maxDelayMs) after
    // its first message; every trial must have received at least that one.
    private async Task RunTrialsAsync(string what, int trials, int seed, int maxDelayMs, Func<int, int, Task<long>> trial)
    {
        var random = new Random(seed);
        int[] delays = new int[trials];
        for (int i = 0; i < trials; i++)
            delays[i] = random.Next(0, maxDelayMs);
        long[] received = new long[trials];
        await Parallel.ForEachAsync(Enumerable.Range(0, trials), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (index, _) => received[index] = await trial(index, delays[index]));
        output.WriteLine($"{trials} trials of {what}, {received.Sum()} messages received");
        Assert.All(received, count => Assert.True(count > 0, "a trial was killed before its first message"));
    }

    // Reads message after message (readNext checks message number n, throwing an assertion failure if it is not the
    // one sent) while the child writes; kills the child delayMs after the first one, and returns how many were read
    // before the reader ended with PeerLostException.
    private static async Task<long> KillMidStreamAsync(Child child, int trial, int delayMs, Func<long, Task> readNext)
    {
        long next = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Exception?> reader = Task.Run<Exception?>(async () =>
        {
            try
            {
                while (true)
                {
                    await readNext(next);
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
        // Mid-stream: the random moment counts from the first message received.
        await Task.WhenAny(first.Task, reader).WaitAsync(Timeout);
        await Task.Delay(delayMs);
        child.Kill();
        Exception? end = await reader.WaitAsync(Timeout);
        Assert.True(end is PeerLostException, $"trial {trial}: after {next} messages the reader ended with {end}");
        return next;
    }
}
