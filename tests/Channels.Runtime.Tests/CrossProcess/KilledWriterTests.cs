using Channels.Contracts;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>
/// Issue 11, acceptance 2: a writer SIGKILLed at 200 random moments. Whatever the moment (between messages, inside
/// a message that spans several ring records, while the reader sleeps), the reader receives a prefix of the sent
/// sequence, whole messages only, then <see cref="PeerLostException"/>. Trials run four at a time; a child may take long to start on a loaded machine, so only its connection has a long timeout.
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
public sealed class KilledWriterTests(ITestOutputHelper output) : IDisposable
{
    private const int Trials = 200;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = true };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AWriterKilledAtRandomMomentsLeavesAPrefixOfWholeMessagesThenPeerLost()
    {
        var random = new Random(2026);
        int[] delays = new int[Trials];
        for (int i = 0; i < Trials; i++)
            delays[i] = random.Next(0, 60);
        long[] received = new long[Trials];
        await Parallel.ForEachAsync(Enumerable.Range(0, Trials), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (trial, _) => received[trial] = await TrialAsync(trial, delays[trial]));
        long total = 0;
        int midStream = 0;
        foreach (long count in received)
        {
            total += count;
            if (count > 0)
                midStream++;
        }
        output.WriteLine($"{Trials} trials, {total} messages received, {midStream} trials killed after the first message");
        Assert.Equal(Trials, midStream);
    }

    private async Task<long> TrialAsync(int trial, int delayMs)
    {
        string endpoint = "victim-" + trial;
        await using var listener = ITransfer.Listen(endpoint, _directory.Options());
        await using Child child = Child.Start(_directory, "stream-varied", [endpoint]);
        await using ITransfer opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(3));
        ((IChannelEndpoint)opener).Link.AttachPeerProcess(child.Process);
        long next = 0;
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<Exception?> reader = Task.Run<Exception?>(async () =>
        {
            try
            {
                while (true)
                {
                    Receipt receipt = await opener.Receipts.ReadAsync();
                    // Whole and in order: the id is the next one, and the note is exactly the one sent with it.
                    Assert.Equal(next, receipt.OrderId);
                    Assert.Equal((ulong)next * 31, receipt.Checksum);
                    Assert.Equal(KillScenarios.NoteOf(next), receipt.Note);
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
