using Channels;
using Channels.Nats.Peer;

// The other "machine" of the NATS tests: a plain program that reaches the test process only through nats-server.
// Usage: <scenario> <endpoint> [arguments]; the key of links is the hex in NATS_TEST_KEY. Exit codes: 0 done,
// 3 PeerLostException, 4 ContractMismatchException, 5 AuthenticationFailedException, 6 other failure.
// Started by ChildProcess instead: run the [ChildEntry] the parent asked for (ChildEntries).
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();
// Each queue call over JetStream holds a thread while it talks to the server (the runtime's engine interface is
// synchronous): 32 concurrent puts or gets must not wait for the thread pool to grow one thread at a time.
ThreadPool.GetMinThreads(out int minWorkers, out int minCompletions);
ThreadPool.SetMinThreads(Math.Max(minWorkers, 128), minCompletions);
try
{
    return args switch
    {
        ["echo", string endpoint] => await Scenarios.EchoAsync(endpoint),
        ["slow-echo", string endpoint, string delayMs] => await Scenarios.EchoAsync(endpoint, int.Parse(delayMs)),
        ["other", string endpoint] => await Scenarios.OtherAsync(endpoint),
        ["put", string endpoint, string first, string count, string sentinels, string output] => await Scenarios.PutAsync(endpoint, int.Parse(first), int.Parse(count), int.Parse(sentinels), output),
        ["get", string endpoint, string workers, string output, string mode] => await Scenarios.GetAsync(endpoint, int.Parse(workers), output, mode),
        ["create", string endpoint, string replicas] => await Scenarios.CreateAsync(endpoint, int.Parse(replicas)),
        ["hold", string endpoint, string count] => await Scenarios.HoldAsync(endpoint, int.Parse(count)),
        _ => Usage(),
    };
}
catch (PeerLostException ex)
{
    Console.Error.WriteLine(ex);
    return 3;
}
catch (ContractMismatchException ex)
{
    Console.Error.WriteLine(ex);
    return 4;
}
catch (AuthenticationFailedException ex)
{
    Console.Error.WriteLine(ex);
    return 5;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    return 6;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Channels.Nats.Peer echo|slow-echo|other|put|get|hold <endpoint> ...");
    return 2;
}
