using Channels;
using Channels.TestChild;
using Channels.TestChild.Processes;

// Started by ChildProcess: run the [ChildEntry] the parent asked for.
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();

// Started by a test as a plain program: run the scenario named by the first argument. New scenarios are static
// methods marked [ChildScenario("name")] in their own files; this file does not change for them.
return args switch
{
    ["parent-of-reader", string marker] => await ParentOfReader.RunAsync(marker),
    _ => await ScenarioRegistry.RunAsync(args),
};
