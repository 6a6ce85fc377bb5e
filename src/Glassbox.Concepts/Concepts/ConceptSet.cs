using System.Globalization;
using System.Text;

namespace Glassbox.Concepts;

/// <summary>A human concept given by example texts (single words or sentences).</summary>
/// <param name="Name">Display name (a built-in name or the file name).</param>
/// <param name="Examples">The example texts, distinct, in file order.</param>
/// <param name="Source">Where the examples came from (file path or how the built-in set was made).</param>
public sealed record ConceptSet(string Name, IReadOnlyList<string> Examples, string Source)
{
    /// <summary>Default minimum number of examples a concept must have.</summary>
    public const int DefaultMinExamples = 10;

    /// <summary>True when the examples are words or short phrases (median of at most two words); random
    /// counterparts are then drawn as words, otherwise as sentences.</summary>
    public bool IsWordLevel
    {
        get
        {
            var counts = Examples
                .Select(e => e.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)
                .Order()
                .ToArray();
            return counts.Length > 0 && counts[counts.Length / 2] <= 2;
        }
    }

    /// <summary>Throws unless the set has at least <paramref name="min"/> examples.</summary>
    /// <exception cref="InputException">Too few examples (the message names the concept's source and the minimum).</exception>
    public ConceptSet Require(int min)
    {
        if (Examples.Count < min)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"concept '{Name}' ({Source}) has {Examples.Count} examples; at least {min} are needed"
                )
            );
        return this;
    }

    /// <summary>Reads a concept from a UTF-8 text file, one example per line. Blank lines and lines starting with
    /// '#' are skipped, whitespace is trimmed and duplicates dropped. The whole file is validated before use.</summary>
    /// <param name="path">The file.</param>
    /// <param name="min">Minimum number of distinct examples.</param>
    /// <param name="name">Concept name; default the file name without extension.</param>
    /// <exception cref="InputException">Missing file, invalid UTF-8, or fewer than <paramref name="min"/> examples.</exception>
    public static ConceptSet FromFile(string path, int min = DefaultMinExamples, string? name = null)
    {
        if (!File.Exists(path))
            throw new InputException($"--concept: no built-in concept or file '{path}'");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException)
        {
            throw new InputException($"concept file '{path}' is not valid UTF-8");
        }
        var examples = Distinct(text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
        return new ConceptSet(name ?? Path.GetFileNameWithoutExtension(path), examples, path).Require(min);
    }

    /// <summary>The distinct strings, first occurrence kept, in order.</summary>
    internal static IReadOnlyList<string> Distinct(IEnumerable<string> items)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return items.Where(seen.Add).ToList();
    }
}
