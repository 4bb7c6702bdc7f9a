namespace Channels;

/// <summary>
/// Marks a static method as an entry point that <see cref="ChildProcess"/> can run in a child process.
/// The method takes an endpoint (a contract's <c>Peer</c>, or an open queue contract), optionally one
/// serializable argument and optionally a <see cref="CancellationToken"/>, and returns <see cref="Task"/>,
/// <see cref="Task{TResult}"/> of <see cref="int"/>, <see cref="ValueTask"/>, <see langword="void"/> or
/// <see cref="int"/> (the exit code). The generator registers every such method at compile time, so the
/// child finds its entry without reflection.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ChildEntryAttribute : Attribute
{
}
