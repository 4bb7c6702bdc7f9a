namespace Channels.Benchmarks.Systems.CodecAlone;

/// <summary>
/// What the two halves of a codec-alone round share: the decoder starts when the encoder does (after the parent has
/// started its clock), and reports its end only once the encoder has finished too. (Its semaphores have no wait
/// handle, so there is nothing to dispose.)
/// </summary>
public sealed class CodecRound
{
    private readonly SemaphoreSlim _started = new(0);
    private readonly SemaphoreSlim _encoded = new(0);

    /// <summary>The encoder begins a round.</summary>
    public void Start() => _started.Release();

    /// <summary>The encoder has encoded every message of the round.</summary>
    public void Encoded() => _encoded.Release();

    /// <summary>The decoder waits for the round to begin.</summary>
    public Task WaitForStartAsync(CancellationToken cancellationToken) => _started.WaitAsync(cancellationToken);

    /// <summary>The decoder, done, waits for the encoder.</summary>
    public Task WaitForEncoderAsync(CancellationToken cancellationToken) => _encoded.WaitAsync(cancellationToken);
}
