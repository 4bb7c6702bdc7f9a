using System.Globalization;
using System.IO.MemoryMappedFiles;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Scenarios;
using Channels.Transports.SharedMemory;
using Xunit;

namespace Channels.Runtime.Tests.Transports.SharedMemory;

/// <summary>A ring shared by two real processes: the child produces, this process consumes.</summary>
public sealed class RingProcessTests : IDisposable
{
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(SharedMemoryWait.SpinThenPark)]
    [InlineData(SharedMemoryWait.BusySpin)]
    public async Task Records_from_another_process_arrive_whole_and_in_order(SharedMemoryWait strategy)
    {
        const int Count = 50_000;
        Directory.CreateDirectory(_directory.Path);
        using var ring = new MappedRingFile(Path.Combine(_directory.Path, "ring.shm"), 16 * 1024);
        await using Child child = Child.Start(_directory, "ring-produce", [ring.Path, Count.ToString(CultureInfo.InvariantCulture), "11", strategy.ToString()]);
        int received = await Task.Factory.StartNew(() => ring.Consume(Count, strategy, () => child.Process.HasExited), TaskCreationOptions.LongRunning);
        Assert.True(received >= 0, $"record {-received - 1} arrived damaged or out of order");
        Assert.Equal(Count, received);
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>A 0600 file holding a ring, mapped into this process.</summary>
    private sealed unsafe class MappedRingFile : IDisposable
    {
        private readonly MemoryMappedFile _file;
        private readonly MemoryMappedViewAccessor _view;
        private readonly RingConsumer _consumer;
        private int _stop;

        public MappedRingFile(string path, int capacity)
        {
            Path = path;
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var stream = new FileStream(path, options))
                stream.SetLength(RingLayout.RegionSize(capacity));
            _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.ReadWrite);
            byte* region = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref region);
            region += _view.PointerOffset;
            RingLayout.Initialize(new Span<byte>(region, RingLayout.RegionSize(capacity)), capacity);
            _consumer = new RingConsumer(region, capacity);
        }

        public string Path { get; }

        /// <summary>Consumes and checks records; returns how many arrived intact, or -(n+1) when record n was damaged.</summary>
        public int Consume(int count, SharedMemoryWait strategy, Func<bool> producerExited)
        {
            int next = 0;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            // A dead or stuck child must not hang the test: a watchdog stops the waits.
            using var watchdog = new Timer(_ =>
            {
                if (producerExited() || DateTime.UtcNow > deadline)
                {
                    Volatile.Write(ref _stop, 1);
                    RingWait.Interrupt(ref _consumer.ReaderParked);
                }
            }, null, 50, 50);
            while (next < count && DateTime.UtcNow < deadline)
            {
                bool exited = producerExited();
                while (_consumer.TryRead(out RecordType type, out int offset, out int length))
                {
                    if (type != RecordType.Data || !RingRecords.Check(new ReadOnlySpan<byte>(_consumer.Data + offset, length), next))
                        return -next - 1;
                    next++;
                }
                if (_consumer.Release())
                    RingWait.Wake(ref _consumer.WriterParked);
                if (exited)
                    break;
                if (!_consumer.HasRecord())
                    RingWait.ForRecord(_consumer, strategy, ref _stop);
            }
            return next;
        }

        public void Dispose()
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
