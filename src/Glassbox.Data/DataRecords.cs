namespace Glassbox.Data;

/// <summary>One syntactic word of a CoNLL-U sentence (multi-word token ranges and empty nodes are not words).</summary>
/// <param name="Id">1-based word index.</param>
/// <param name="Form">Word form.</param>
/// <param name="Lemma">Lemma.</param>
/// <param name="Upos">Universal part of speech.</param>
/// <param name="Xpos">Language-specific part of speech.</param>
/// <param name="Feats">Morphological features, e.g. <c>Number=Sing</c> (empty when "_").</param>
/// <param name="Head">Head word index (0 = root).</param>
/// <param name="Deprel">Dependency relation to the head (with subtype, e.g. <c>nsubj:pass</c>).</param>
public sealed record ConllWord(
    int Id,
    string Form,
    string Lemma,
    string Upos,
    string Xpos,
    IReadOnlyDictionary<string, string> Feats,
    int Head,
    string Deprel
);

/// <summary>A CoNLL-U sentence: its syntactic words and the surface text.</summary>
/// <param name="SentId">The <c># sent_id</c> comment, if any.</param>
/// <param name="Text">The <c># text</c> comment, or the forms joined by spaces.</param>
/// <param name="Words">Syntactic words in order (Id = index + 1).</param>
/// <param name="Line">1-based line number of the sentence's first word line, for error messages.</param>
public sealed record ConllSentence(string? SentId, string Text, IReadOnlyList<ConllWord> Words, int Line);

/// <summary>A minimal pair: a grammatical and an ungrammatical sentence that differ minimally.</summary>
/// <param name="Good">The acceptable sentence.</param>
/// <param name="Bad">The unacceptable sentence.</param>
/// <param name="Phenomenon">Phenomenon / paradigm name (BLiMP UID, Marvin &amp; Linzen task).</param>
/// <param name="Group">Coarser group (BLiMP linguistics_term, or the phenomenon).</param>
public sealed record MinimalPair(string Good, string Bad, string Phenomenon, string Group);

/// <summary>A cloze fact: a template with [X] (subject) and [Y] (object slot) and the gold object.</summary>
/// <param name="Relation">Relation id, e.g. P36.</param>
/// <param name="Subject">Subject label.</param>
/// <param name="Object">Gold object label.</param>
/// <param name="Template">Template such as "The capital of [X] is [Y] .".</param>
public sealed record ClozeFact(string Relation, string Subject, string Object, string Template);

/// <summary>A sentence with a label (sentence-level probing).</summary>
/// <param name="Text">Sentence.</param>
/// <param name="Label">Label.</param>
public sealed record LabeledSentence(string Text, string Label);
