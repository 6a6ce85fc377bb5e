using System.Globalization;

namespace Glassbox.Models;

/// <summary>One field of a <see cref="ConfigProblem"/>: a <see cref="ModelConfig"/> property and its value.</summary>
/// <param name="Field">The <see cref="ModelConfig"/> property name, e.g. <c>NHeads</c>.</param>
/// <param name="Value">Its value in the config.</param>
public sealed record ConfigProblemField(string Field, object? Value);

/// <summary>
/// A consistency problem found by <see cref="ModelConfig.Problems"/>. The message is kept as a composite format whose
/// placeholders <c>{0}</c>, <c>{1}</c>… stand for the fields, so a family's config reader can spell each field the way
/// the user's config.json does (e.g. <c>num_attention_heads=5 does not divide hidden_size=64</c>).
/// </summary>
/// <param name="Format">Composite format; placeholder i is replaced by the description of <paramref name="Fields"/>[i].</param>
/// <param name="Fields">The fields the problem is about, in placeholder order.</param>
public sealed record ConfigProblem(string Format, IReadOnlyList<ConfigProblemField> Fields)
{
    /// <summary>The problem with each field written as <c>Name=value</c> in <see cref="ModelConfig"/>'s own names.</summary>
    /// <returns>E.g. <c>NHeads=5 does not divide DModel=64</c>.</returns>
    public string Describe() => Describe(f => $"{f.Field}={ValueText(f.Value)}");

    /// <summary>The problem with each field written by <paramref name="describeField"/>.</summary>
    /// <param name="describeField">Writes one field, e.g. as the config.json key and its raw value.</param>
    /// <returns>The message.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="describeField"/> is null.</exception>
    public string Describe(Func<ConfigProblemField, string> describeField)
    {
        ArgumentNullException.ThrowIfNull(describeField);
        return string.Format(CultureInfo.InvariantCulture, Format, Fields.Select(describeField).ToArray<object?>());
    }

    /// <summary>A value as invariant-culture text ("null" for null).</summary>
    /// <param name="value">The value.</param>
    /// <returns>Its text.</returns>
    public static string ValueText(object? value) =>
        value switch
        {
            null => "null",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "null",
        };
}
