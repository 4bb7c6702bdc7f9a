using Channels;
using Channels.TestChild;
using Channels.TestChild.Processes;

// The fork-bomb regression test: a program that forgets the child line. It must come before that line here.
if (args is ["start-without-entry-line", .. var rest])
    return await Channels.TestChild.Hardening.HardeningScenarios.StartWithoutEntryLineAsync(rest);

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
