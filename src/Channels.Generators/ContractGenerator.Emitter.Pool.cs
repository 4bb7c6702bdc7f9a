using Channels.Generators.Helpers;
using Channels.Generators.Model;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    private static string EmitPoolFunctions(EquatableArray<PoolFunctionModel> functions)
    {
        SourceWriter writer = OpenRegistry("PoolFunctions");
        foreach (PoolFunctionModel function in functions)
            writer.WriteLine($"global::Channels.Contracts.PoolFunctionRegistry.Register<{function.ArgumentType}, {function.ResultType}>(\"{function.Key}\", {function.Method});");
        writer.CloseBrace();
        writer.CloseBrace();
        writer.CloseBrace();
        return writer.ToString();
    }
}
