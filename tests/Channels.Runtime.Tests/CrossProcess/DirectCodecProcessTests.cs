using System.Text;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>
/// Records whose codecs write MemoryPack's bytes themselves travel between two processes and back unchanged, over
/// each transport: every member value, null and empty strings, strings of every UTF-8 length class and long ones.
/// </summary>
public abstract class DirectCodecProcessTests(bool sharedMemory) : IDisposable
{
    private const int Count = 50_000;
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ReadingsAndMarkersComeBackEqualAndInOrder()
    {
        await using var listener = IReadings.Listen("readings", _directory.Options());
        await using Child child = Child.Start(_directory, "readings-echo", ["readings"]);
        await using IReadings opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Task readings = Task.Run(async () =>
        {
            for (int i = 0; i < Count; i++)
                await opener.Readings.WriteAsync(MakeReading(i));
            opener.Readings.Complete();
        });
        Task markers = Task.Run(async () =>
        {
            for (int i = 0; i < Count; i++)
                await opener.Markers.WriteAsync(MakeMarker(i));
            opener.Markers.Complete();
        });
        Task<int> readingEchoes = Task.Run(async () =>
        {
            int received = 0;
            await foreach (Reading echo in opener.ReadingEchoes.ReadAllAsync())
                Assert.Equal(MakeReading(received++), echo);
            return received;
        });
        int markerEchoes = 0;
        await foreach (Marker echo in opener.MarkerEchoes.ReadAllAsync().WithCancellation(default))
            Assert.Equal(MakeMarker(markerEchoes++), echo);

        await Task.WhenAll(readings, markers).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(Count, await readingEchoes.WaitAsync(TimeSpan.FromSeconds(120)));
        Assert.Equal(Count, markerEchoes);
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    private static readonly string[] Texts = ["", "a", "sensor-7", "é", "日本語", "😀x", new string('q', 4000), "nul\0in"];

    private static Reading MakeReading(int i)
        => new(
            i == 0 ? long.MinValue : i * 7919L,
            i % 9 == 8 ? null : Texts[i % Texts.Length] + i,
            i % 5 == 0 ? double.NaN : i * 0.25,
            (Quality)(i % 3),
            i % 2 == 0,
            Texts[(i / 3) % Texts.Length]);

    private static Marker MakeMarker(int i)
        => new(
            i == 1 ? int.MaxValue : -i,
            i % 4 == 0 ? null : new StringBuilder().Append('m', i % 50).Append(i).ToString(),
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i),
            new Guid(i, (short)i, (short)(i >> 16), 1, 2, 3, 4, 5, 6, 7, 8));
}

/// <summary>The suite over the Unix socket.</summary>
public sealed class DirectCodecProcessTestsOverSocket() : DirectCodecProcessTests(sharedMemory: false);

/// <summary>The suite over shared memory.</summary>
public sealed class DirectCodecProcessTestsOverSharedMemory() : DirectCodecProcessTests(sharedMemory: true);
