namespace Glassbox.Data;

/// <summary>The built-in English lexicon of <see cref="TemplateGrammar"/> (data the project makes itself).</summary>
internal static class TemplateLexicon
{
    /// <summary>What a noun denotes; verbs select their subjects and objects by it.</summary>
    internal enum Kind
    {
        Person,
        Thing,
        Place,
    }

    /// <summary>A noun with both number forms; <c>Gender</c> is m, f or n (n takes himself or herself).</summary>
    internal sealed record Noun(string Sing, string Plur, Kind Kind, char Gender = 'n');

    /// <summary>A verb's forms. <c>Object</c> is null for intransitive verbs.
    /// <c>AnyObject</c>: people or things; <c>Objects</c>: the only thing nouns (singular lemmas) it takes, when restricted.</summary>
    internal sealed record Verb(
        string Base,
        string Third,
        string Past,
        string Participle,
        Kind? Object,
        bool AnyObject = false,
        string[]? Objects = null
    );

    internal static readonly Noun[] People =
    [
        new("author", "authors", Kind.Person),
        new("senator", "senators", Kind.Person),
        new("guard", "guards", Kind.Person),
        new("pilot", "pilots", Kind.Person),
        new("surgeon", "surgeons", Kind.Person),
        new("teacher", "teachers", Kind.Person),
        new("farmer", "farmers", Kind.Person),
        new("manager", "managers", Kind.Person),
        new("customer", "customers", Kind.Person),
        new("dancer", "dancers", Kind.Person),
        new("child", "children", Kind.Person),
        new("woman", "women", Kind.Person, 'f'),
        new("man", "men", Kind.Person, 'm'),
        new("king", "kings", Kind.Person, 'm'),
        new("queen", "queens", Kind.Person, 'f'),
        new("boy", "boys", Kind.Person, 'm'),
        new("girl", "girls", Kind.Person, 'f'),
        new("mother", "mothers", Kind.Person, 'f'),
        new("father", "fathers", Kind.Person, 'm'),
        new("uncle", "uncles", Kind.Person, 'm'),
        new("aunt", "aunts", Kind.Person, 'f'),
        new("actor", "actors", Kind.Person),
        new("student", "students", Kind.Person),
        new("doctor", "doctors", Kind.Person),
    ];

    internal static readonly Noun[] Things =
    [
        new("book", "books", Kind.Thing),
        new("car", "cars", Kind.Thing),
        new("letter", "letters", Kind.Thing),
        new("picture", "pictures", Kind.Thing),
        new("song", "songs", Kind.Thing),
        new("report", "reports", Kind.Thing),
        new("box", "boxes", Kind.Thing),
        new("key", "keys", Kind.Thing),
        new("map", "maps", Kind.Thing),
        new("table", "tables", Kind.Thing),
        new("umbrella", "umbrellas", Kind.Thing),
        new("bottle", "bottles", Kind.Thing),
    ];

    internal static readonly Noun[] Places =
    [
        new("park", "parks", Kind.Place),
        new("garden", "gardens", Kind.Place),
        new("library", "libraries", Kind.Place),
        new("office", "offices", Kind.Place),
        new("kitchen", "kitchens", Kind.Place),
        new("station", "stations", Kind.Place),
    ];

    internal static readonly string[] PersonAdjectives =
    [
        "tall",
        "young",
        "old",
        "happy",
        "famous",
        "tired",
        "clever",
        "angry",
    ];
    internal static readonly string[] ThingAdjectives =
    [
        "small",
        "old",
        "new",
        "red",
        "large",
        "heavy",
        "expensive",
        "strange",
    ];

    internal static readonly Verb[] Transitive =
    [
        new("like", "likes", "liked", "liked", Kind.Person, AnyObject: true),
        new("see", "sees", "saw", "seen", Kind.Person, AnyObject: true),
        new("admire", "admires", "admired", "admired", Kind.Person),
        new("know", "knows", "knew", "known", Kind.Person),
        new("help", "helps", "helped", "helped", Kind.Person),
        new("visit", "visits", "visited", "visited", Kind.Person),
        new("hurt", "hurts", "hurt", "hurt", Kind.Person),
        new("blame", "blames", "blamed", "blamed", Kind.Person),
        new("write", "writes", "wrote", "written", Kind.Thing, Objects: ["book", "letter", "song", "report"]),
        new("read", "reads", "read", "read", Kind.Thing, Objects: ["book", "letter", "report", "map"]),
        new("find", "finds", "found", "found", Kind.Thing),
        new("carry", "carries", "carried", "carried", Kind.Thing),
        new("take", "takes", "took", "taken", Kind.Thing),
        new("buy", "buys", "bought", "bought", Kind.Thing),
    ];

    /// <summary>Transitive verbs that read naturally with a reflexive object.</summary>
    internal static readonly string[] Reflexive = ["hurt", "blame", "admire", "see", "like", "help"];

    internal static readonly Verb[] Intransitive =
    [
        new("laugh", "laughs", "laughed", "laughed", null),
        new("smile", "smiles", "smiled", "smiled", null),
        new("swim", "swims", "swam", "swum", null),
        new("sleep", "sleeps", "slept", "slept", null),
        new("arrive", "arrives", "arrived", "arrived", null),
        new("wait", "waits", "waited", "waited", null),
        new("dance", "dances", "danced", "danced", null),
        new("sing", "sings", "sang", "sung", null),
    ];

    /// <summary>Prepositions of noun-modifying and verb-modifying phrases ("near the senators", "in the park").</summary>
    internal static readonly string[] NounPrepositions = ["near", "behind", "beside", "with"];
    internal static readonly string[] PlacePrepositions = ["in", "near"];

    /// <summary>Determiners: lemma, form, number they go with ('s', 'p', 'b' for both, 'x' never chosen at random), FEATS.</summary>
    internal static readonly (string Lemma, char Number, string Feats)[] Determiners =
    [
        ("the", 'b', "Definite=Def|PronType=Art"),
        ("the", 'b', "Definite=Def|PronType=Art"),
        ("a", 's', "Definite=Ind|PronType=Art"),
        ("this", 's', "Number=Sing|PronType=Dem"),
        ("these", 'p', "Number=Plur|PronType=Dem"),
        ("every", 's', "PronType=Tot"),
        ("some", 'p', "PronType=Ind"),
        ("no", 'x', "PronType=Neg"), // only on request (NPI licensor)
    ];

    internal static bool StartsWithVowelSound(string word) =>
        "aeiou".Contains(word[0], StringComparison.Ordinal) && !word.StartsWith("uni", StringComparison.Ordinal);
}
