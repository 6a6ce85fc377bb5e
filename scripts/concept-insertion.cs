#!/usr/bin/env dotnet
// Causal check for a word-level TCAV concept: put each concept word into fixed sentiment-neutral frames and
// compare the classifier's logit difference (class 1 minus class 0) with that of neutral adjectives (EWT adjectives in
// no sentiment lexicon). Run: dotnet run scripts/concept-insertion.cs -- CLASSIFIER_DIR [SHARED_DATA_DIR]
// A scratch experiment for docs/concepts.md, kept so that its numbers can be regenerated; not part of the library.
#:project ../src/Glassbox.Concepts/Glassbox.Concepts.csproj
#:project ../src/Glassbox.Training/Glassbox.Training.csproj
#:property TreatWarningsAsErrors=false
using System.Globalization;
using Glassbox;
using Glassbox.Classification;
using Glassbox.Concepts;

string dir = args[0];
string data = args.Length > 1 ? args[1] : Path.Combine(Directory.GetCurrentDirectory(), "..", "shared", "data");
GlassboxRuntime.Initialize(2);
using var c = ClassifierCheckpoint.Load(dir);
string[] frames =
{
    "{0}",
    "the {0} one .",
    "it is {0} .",
    "a {0} car .",
    "the walls of the room were {0} .",
    "she wore a {0} coat to the station .",
};
var groups = new[]
{
    BuiltInConcepts.ColourWords,
    BuiltInConcepts.NeutralWords,
    BuiltInConcepts.PositiveAdjectives,
    BuiltInConcepts.NegativeAdjectives,
};
var means = new Dictionary<string, double[]>();
foreach (var g in groups)
{
    var words = BuiltInConcepts.Load(g, data).Examples;
    var perWord = new double[words.Count];
    foreach (var f in frames)
    {
        var texts = words.Select(w => string.Format(CultureInfo.InvariantCulture, f, w)).ToList();
        var p = c.Probabilities(texts);
        for (int i = 0; i < words.Count; i++)
            perWord[i] += (Math.Log(p[i][1]) - Math.Log(p[i][0])) / frames.Length;
    }
    means[g] = perWord;
    Console.WriteLine(
        string.Create(
            CultureInfo.InvariantCulture,
            $"{g, -22} n={words.Count, 4} mean logit diff {perWord.Average(), 7:F3}  sd {Sd(perWord), 6:F3}  share > 0: {perWord.Count(v => v > 0) / (double)perWord.Length:F2}"
        )
    );
}
var rng = new Random(0);
foreach (var g in groups.Where(g => g != BuiltInConcepts.NeutralWords))
{
    var a = means[g];
    var b = means[BuiltInConcepts.NeutralWords];
    double diff = a.Average() - b.Average();
    var boot = new double[10000];
    for (int r = 0; r < boot.Length; r++)
        boot[r] =
            Enumerable.Range(0, a.Length).Average(_ => a[rng.Next(a.Length)])
            - Enumerable.Range(0, b.Length).Average(_ => b[rng.Next(b.Length)]);
    Array.Sort(boot);
    double t = diff / Math.Sqrt(Sd(a) * Sd(a) / a.Length + Sd(b) * Sd(b) / b.Length);
    Console.WriteLine(
        string.Create(
            CultureInfo.InvariantCulture,
            $"{g} - neutral: {diff:F3} [{boot[249]:F3}, {boot[9749]:F3}] (95% bootstrap over words), Welch t {t:F2}"
        )
    );
}
static double Sd(double[] v)
{
    double m = v.Average();
    return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
}
