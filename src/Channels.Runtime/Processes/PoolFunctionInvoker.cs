using System.Reflection;
using MemoryPack;

namespace Channels;

/// <summary>Runs one registered pool function over a chunk of serialized arguments in a worker.</summary>
internal abstract class PoolFunctionInvoker(string name, MethodInfo method)
{
    public string Name => name;

    public MethodInfo Method => method;

    /// <summary>Decodes the chunk, runs the function on every item (an item that throws fails alone) and encodes the reply.</summary>
    public abstract ValueTask<byte[]> InvokeAsync(byte[] items, CancellationToken cancellationToken);
}

internal sealed class PoolFunctionInvoker<TArg, TResult>(string name, MethodInfo method, Func<TArg, TResult>? function, Func<TArg, CancellationToken, Task<TResult>>? asyncFunction)
    : PoolFunctionInvoker(name, method)
{
    public override async ValueTask<byte[]> InvokeAsync(byte[] items, CancellationToken cancellationToken)
    {
        TArg[] arguments = DecodeItems(items);
        var results = new TResult[arguments.Length];
        List<PoolItemError>? errors = null;
        for (int i = 0; i < arguments.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                results[i] = function is not null ? function(arguments[i]) : await asyncFunction!(arguments[i], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                (errors ??= []).Add(new PoolItemError(i, new RemoteException(ex.GetType().FullName ?? ex.GetType().Name, ex.Message, ex.StackTrace)));
            }
        }
        return PoolReply.Encode(results, errors);
    }

    private TArg[] DecodeItems(byte[] items)
    {
        try
        {
            return MemoryPackSerializer.Deserialize<TArg[]>(items) ?? [];
        }
        catch (MemoryPackSerializationException ex)
        {
            throw new ProtocolException($"The arguments sent to pool function '{Name}' do not decode as {typeof(TArg)}[]: {ex.Message}", ex);
        }
    }
}
