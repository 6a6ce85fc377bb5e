using Glassbox.Models;

namespace Glassbox.Hooks;

/// <summary>The symbolic and concrete shape of every hook point, e.g. <c>[batch, head, q, k]</c>, read from
/// <see cref="HookPoints"/>.</summary>
public static class HookShapes
{
    /// <summary>Symbolic dimension names of hook <paramref name="name"/>.</summary>
    /// <exception cref="HookException">Not a hook name.</exception>
    public static IReadOnlyList<string> Symbolic(string name) => HookName.Parse(name).Point.Shape;

    /// <summary>Concrete shape for a batch of <paramref name="batch"/> sequences of <paramref name="pos"/> tokens.</summary>
    /// <exception cref="HookException">Not a hook name.</exception>
    public static long[] Concrete(string name, ModelConfig c, long batch, long pos) =>
        HookName.Parse(name).Point.ShapeFor(c, batch, pos);

    /// <summary>"[batch, pos, d_model]".</summary>
    /// <exception cref="HookException">Not a hook name.</exception>
    public static string Text(string name) => HookName.Parse(name).Point.ShapeText;
}
