namespace Channels.TestChild;

/// <summary>
/// Marks a static method <c>Task&lt;int&gt; M(string[] args)</c> as a scenario that tests start with
/// <c>dotnet Channels.TestChild.dll &lt;name&gt; args...</c>. Add a scenario by adding a file; Program.cs does not change.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChildScenarioAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
