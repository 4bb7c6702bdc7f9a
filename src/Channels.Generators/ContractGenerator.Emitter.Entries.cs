using System.Collections.Generic;
using Channels.Generators.Helpers;
using Channels.Generators.Model;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    private static string EmitChildEntries(EquatableArray<ChildEntryModel> entries)
    {
        var names = new List<string>(entries.Count);
        foreach (ChildEntryModel entry in entries)
            names.Add(UniqueName(Identifiers.Mangle(entry.Key), names));

        SourceWriter writer = OpenRegistry("ChildEntries");
        for (int i = 0; i < entries.Count; i++)
            writer.WriteLine($"global::Channels.Contracts.ChildEntryRegistry.Register(\"{entries[i].Key}\", {names[i]});");
        writer.CloseBrace();

        for (int i = 0; i < entries.Count; i++)
        {
            ChildEntryModel entry = entries[i];
            writer.WriteLine();
            writer.WriteLine($"private static async global::System.Threading.Tasks.Task<int> {names[i]}(global::Channels.Contracts.ChildEntryContext context)");
            writer.OpenBrace();
            string connect = entry.IsQueueEndpoint ? "OpenQueueAsync" : "ConnectPeerAsync";
            writer.WriteLine($"var endpoint = await context.{connect}({entry.Contract}.Definition).ConfigureAwait(false);");
            writer.WriteLine("await using (global::System.Threading.Tasks.TaskAsyncEnumerableExtensions.ConfigureAwait(endpoint, false))");
            writer.OpenBrace();
            // An exception that escapes the entry faults the endpoint's writers before the endpoint is disposed,
            // so the parent's readers end with it instead of a normal completion.
            writer.WriteLine("try");
            writer.OpenBrace();
            var arguments = "endpoint";
            if (entry.ArgumentType is not null)
            {
                writer.WriteLine($"var argument = context.GetArgument<{entry.ArgumentType}>();");
                arguments += ", argument";
            }
            if (entry.HasCancellationToken)
                arguments += ", context.CancellationToken";
            string call = $"{entry.Method}({arguments})";
            switch (entry.ReturnKind)
            {
                case EntryReturnKind.Void:
                    writer.WriteLine(call + ";");
                    writer.WriteLine("return 0;");
                    break;
                case EntryReturnKind.Int:
                    writer.WriteLine($"return {call};");
                    break;
                case EntryReturnKind.Task:
                case EntryReturnKind.ValueTask:
                    writer.WriteLine($"await {call}.ConfigureAwait(false);");
                    writer.WriteLine("return 0;");
                    break;
                default:
                    writer.WriteLine($"return await {call}.ConfigureAwait(false);");
                    break;
            }
            writer.CloseBrace();
            writer.WriteLine("catch (global::System.Exception exception)");
            writer.OpenBrace();
            writer.WriteLine("context.FaultWriters(endpoint, exception);");
            writer.WriteLine("throw;");
            writer.CloseBrace();
            writer.CloseBrace();
            writer.CloseBrace();
        }
        writer.CloseBrace();
        writer.CloseBrace();
        return writer.ToString();
    }
}
