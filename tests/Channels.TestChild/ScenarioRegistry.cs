using System.Reflection;

namespace Channels.TestChild;

/// <summary>Finds the <see cref="ChildScenarioAttribute"/> methods of this program and runs the one named by the first argument.</summary>
public static class ScenarioRegistry
{
    public static async Task<int> RunAsync(string[] args)
    {
        Dictionary<string, MethodInfo> scenarios = Discover();
        if (args.Length == 0 || !scenarios.TryGetValue(args[0], out MethodInfo? method))
        {
            Console.Error.WriteLine($"usage: Channels.TestChild <scenario> [args...]; scenarios: {string.Join(", ", scenarios.Keys.Order())}");
            return 64;
        }
        var run = method.CreateDelegate<Func<string[], Task<int>>>();
        return await run(args[1..]);
    }

    private static Dictionary<string, MethodInfo> Discover()
    {
        var found = new Dictionary<string, MethodInfo>(StringComparer.Ordinal);
        foreach (Type type in typeof(ScenarioRegistry).Assembly.GetTypes())
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                if (method.GetCustomAttribute<ChildScenarioAttribute>() is { } attribute)
                {
                    if (!found.TryAdd(attribute.Name, method))
                        throw new InvalidOperationException($"Two scenarios are named '{attribute.Name}'.");
                }
            }
        }
        return found;
    }
}
