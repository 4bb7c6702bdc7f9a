using System.Globalization;
using System.IO.MemoryMappedFiles;
using Channels.Transports.SharedMemory;

namespace Channels.TestChild.Scenarios;

/// <summary>The other process of the ring tests: it maps the test's segment file and produces into its ring.</summary>
public static class RingScenarios
{
    /// <summary>
    /// args: segment file, record count, seed, wait strategy. Maps the file (a ring initialized by the test at offset
    /// 0) and produces <c>count</c> records made by <see cref="RingRecords.Fill"/>, waiting for room as the strategy says.
    /// </summary>
    [ChildScenario("ring-produce")]
    public static unsafe Task<int> ProduceAsync(string[] args)
    {
        string path = args[0];
        int count = int.Parse(args[1], CultureInfo.InvariantCulture);
        int seed = int.Parse(args[2], CultureInfo.InvariantCulture);
        var strategy = Enum.Parse<SharedMemoryWait>(args[3]);
        using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        using var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
        byte* region = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref region);
        try
        {
            region += view.PointerOffset;
            int capacity = RingLayout.ReadCapacity(new ReadOnlySpan<byte>(region, (int)view.Capacity));
            var producer = new RingProducer(region, capacity);
            var random = new Random(seed);
            int stop = 0;
            for (int i = 0; i < count; i++)
            {
                int length = RingRecords.NextLength(random, producer.MaxPayload);
                if (!producer.TryClaim(length, out Span<byte> payload))
                {
                    if (!RingWait.ForRoom(producer, length, strategy, ref stop))
                        return Task.FromResult(2);
                    producer.TryClaim(length, out payload);
                }
                RingRecords.Fill(payload, i);
                producer.Commit(RecordType.Data, length);
                if (producer.ConsumerNeedsWake())
                    RingWait.Wake(ref producer.ReaderParked);
            }
            Console.WriteLine("produced");
            return Task.FromResult(0);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }
}
