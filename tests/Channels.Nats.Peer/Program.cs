using Channels;
using Channels.Nats.Peer;

// The other "machine" of the NATS tests: a plain program that reaches the test process only through nats-server.
// Usage: <scenario> <endpoint> [arguments]; the key of links is the hex in NATS_TEST_KEY. Exit codes: 0 done,
// 3 PeerLostException, 4 ContractMismatchException, 5 AuthenticationFailedException, 6 other failure, 7 the thread
// pool refused its limits. The thread pool keeps its defaults (the starved-* scenarios cap it).
// Started by ChildProcess instead: run the [ChildEntry] the parent asked for (ChildEntries).
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();
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
        ["starved-puts", string endpoint, string first, string count, string timeoutMs] => await Scenarios.StarvedPutsAsync(endpoint, int.Parse(first), int.Parse(count), int.Parse(timeoutMs)),
        ["starved-gets", string endpoint, string workers, string timeoutMs] => await Scenarios.StarvedGetsAsync(endpoint, int.Parse(workers), int.Parse(timeoutMs)),
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
    Console.Error.WriteLine("usage: Channels.Nats.Peer echo|slow-echo|other|put|get|create|hold|starved-puts|starved-gets <endpoint> ...");
    return 2;
}
