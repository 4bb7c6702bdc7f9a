namespace Channels.Calls;

/// <summary>What a message on a call's request lane asks for.</summary>
internal enum CallRequestKind : byte
{
    /// <summary>A new call: the request follows.</summary>
    Call = 0,

    /// <summary>The caller gave up on the call with this id; the callee's token for it fires.</summary>
    Cancel = 1,
}

/// <summary>How a call ended, on the call's response lane.</summary>
internal enum CallResponseKind : byte
{
    /// <summary>The response follows.</summary>
    Result = 0,

    /// <summary>The callee failed: a fault payload (type, message, stack) follows.</summary>
    Fault = 1,
}

/// <summary>One message of a call's request lane: a call with its request, or the cancellation of one.</summary>
internal readonly record struct CallRequest<TRequest>(CallRequestKind Kind, ulong Id, TRequest Request);

/// <summary>One message of a call's response lane: the response to a call, or the failure that ended it.</summary>
internal readonly record struct CallResponse<TResponse>(CallResponseKind Kind, ulong Id, TResponse Response, RemoteException? Error);
