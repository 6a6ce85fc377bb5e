namespace Glassbox.Tests;

/// <summary>Tests that must run alone: they load the whole process (e.g. a thread that forces garbage collections
/// without pause), which would change the conditions of every test running beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "serial";
}
