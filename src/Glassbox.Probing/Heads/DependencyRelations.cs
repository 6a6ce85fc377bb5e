namespace Glassbox.Probing.Heads;

/// <summary>Universal Dependencies relation names and how a requested relation matches a treebank's DEPREL.</summary>
public static class DependencyRelations
{
    /// <summary>The 37 universal relations of UD v2.</summary>
    public static IReadOnlyList<string> Universal { get; } =
        new[]
        {
            "acl",
            "advcl",
            "advmod",
            "amod",
            "appos",
            "aux",
            "case",
            "cc",
            "ccomp",
            "clf",
            "compound",
            "conj",
            "cop",
            "csubj",
            "dep",
            "det",
            "discourse",
            "dislocated",
            "expl",
            "fixed",
            "flat",
            "goeswith",
            "iobj",
            "list",
            "mark",
            "nmod",
            "nsubj",
            "nummod",
            "obj",
            "obl",
            "orphan",
            "parataxis",
            "punct",
            "reparandum",
            "root",
            "vocative",
            "xcomp",
        };

    /// <summary>Common relation subtypes that can be asked for on their own (e.g. <c>poss</c> for <c>nmod:poss</c>).</summary>
    public static IReadOnlyList<string> Subtypes { get; } =
        new[]
        {
            "poss",
            "pass",
            "relcl",
            "tmod",
            "npmod",
            "prt",
            "agent",
            "preconj",
            "predet",
            "outer",
            "unmarked",
            "arg",
            "lmod",
        };

    /// <summary>The relations of Clark et al.'s table that exist in UD, the default for <c>probe heads</c>.</summary>
    public static IReadOnlyList<string> Default { get; } =
        new[] { "nsubj", "obj", "amod", "det", "case", "advmod", "aux", "compound", "poss" };

    /// <summary>Whether <paramref name="relation"/> is a universal relation, a known subtype, or base:subtype with a
    /// universal base.</summary>
    public static bool IsKnown(string relation)
    {
        if (string.IsNullOrWhiteSpace(relation))
            return false;
        int colon = relation.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
            return Universal.Contains(relation) || Subtypes.Contains(relation);
        return Universal.Contains(relation[..colon]) && colon < relation.Length - 1;
    }

    /// <summary>Whether a treebank DEPREL counts for a requested relation: equal, or the DEPREL's base (before ':')
    /// equals it, or its subtype (after ':') equals it. So <c>nsubj</c> covers <c>nsubj:pass</c>, <c>poss</c> covers
    /// <c>nmod:poss</c>, and a full name such as <c>nsubj:pass</c> matches only itself.</summary>
    public static bool Matches(string relation, string deprel)
    {
        if (deprel == relation)
            return true;
        if (relation.Contains(':', StringComparison.Ordinal))
            return false;
        int colon = deprel.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && (deprel.AsSpan(0, colon).SequenceEqual(relation) || deprel.AsSpan(colon + 1).SequenceEqual(relation));
    }

    /// <summary>Checks a list of requested relations.</summary>
    /// <exception cref="InputException">A relation is unknown or the list is empty.</exception>
    public static IReadOnlyList<string> Validate(IReadOnlyList<string> relations)
    {
        if (relations.Count == 0)
            throw new InputException("--relations is empty");
        foreach (var r in relations)
            if (!IsKnown(r))
                throw new InputException($"--relations: unknown UD relation '{r}' (e.g. {string.Join(", ", Default)})");
        return relations;
    }
}
