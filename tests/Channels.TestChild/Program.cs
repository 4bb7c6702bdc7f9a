using Channels.TestChild;

// A process started by ChildProcess runs its [ChildEntry] and exits here. Test scenarios always pass their name as
// the first argument, so they never reach ChildProcess (whose entry point lands with issue 3).
if (args.Length == 0 && Channels.ChildProcess.IsChild) return await Channels.ChildProcess.RunAsync();

return await ScenarioRegistry.RunAsync(args);
