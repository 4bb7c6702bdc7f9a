namespace Channels.Contracts;

/// <summary>Runs one <see cref="ChildEntryAttribute">[ChildEntry]</see> method in a child process and returns its exit code; generated per entry.</summary>
/// <param name="context">What the parent handed over: the endpoint, the argument and the cancellation token.</param>
public delegate Task<int> ChildEntryInvoker(ChildEntryContext context);
