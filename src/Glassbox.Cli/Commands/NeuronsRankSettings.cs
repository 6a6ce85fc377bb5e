using System.ComponentModel;
using System.Globalization;
using Glassbox.Data;
using Glassbox.Neurons;
using Glassbox.Probing;
using Spectre.Console.Cli;

namespace Glassbox.Cli.Commands;

/// <summary>Options of <c>neurons rank</c> and <c>neurons verify</c>: the word-level property, its data, and the
/// verification settings.</summary>
public class NeuronsRankSettings : ModelSettings
{
    [CommandOption("--task <TASK>")]
    [Description(
        "Word property: upos (default), xpos, deprel, or a morphological feature name such as Number or Tense."
    )]
    public string Task { get; init; } = "upos";

    [CommandOption("--data <CONLLU>")]
    [Description("One CoNLL-U file split by sentence (--split, --seed). Default: ../shared/data UD EWT dev.")]
    public string? Data { get; init; }

    [CommandOption("--train <FILE>")]
    [Description("Training CoNLL-U file (with --test).")]
    public string? Train { get; init; }

    [CommandOption("--test <FILE>")]
    [Description("Test CoNLL-U file (with --train).")]
    public string? Test { get; init; }

    [CommandOption("--split <FRACTION>")]
    [Description("Training fraction when splitting --data. Default 0.8.")]
    public double Split { get; init; } = 0.8;

    [CommandOption("--builtin")]
    [Description("Use generated noun/verb-ambiguous sentences (UPOS only) instead of a treebank.")]
    public bool Builtin { get; init; }

    [CommandOption("--sentences <N>")]
    [Description(
        "Use only the first N sentences of the data (or generate N with --builtin, default 400). Default: all."
    )]
    public int? Sentences { get; init; }

    [CommandOption("--ks <LIST>")]
    [Description("Unit counts of the verification sweep, comma-separated. Default 1,5,10,20,50,100,200.")]
    public string Ks { get; init; } = "1,5,10,20,50,100,200";

    [CommandOption("--draws <N>")]
    [Description("Random-k draws per k (the random baseline and its interval). Default 5.")]
    public int Draws { get; init; } = 5;

    [CommandOption("--corpus <FILE>")]
    [Description(
        "Text corpus for the LM-loss ablation of causal LMs. Default: ../shared/data TinyStories sample when present."
    )]
    public string? Corpus { get; init; }

    [CommandOption("--lm-texts <N>")]
    [Description("Corpus texts for the LM-loss ablation (0 skips it). Default 40.")]
    public int LmTexts { get; init; } = 40;

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the split, probes, random draws and bootstrap. Default 0.")]
    public int Seed { get; init; }

    [CommandOption("-o|--out <FILE>")]
    [Description("Write the JSON result (the --json envelope); a name ending in .html writes the HTML report instead.")]
    public string? Out { get; init; }

    [CommandOption("--report <FILE>")]
    [Description("Also write an HTML report (accuracy-vs-k curve, ablations, top units).")]
    public string? Report { get; init; }

    /// <summary>The label function of --task.</summary>
    public Func<ConllWord, string?> Label() =>
        Task switch
        {
            "upos" => w => w.Upos,
            "xpos" => w => w.Xpos,
            "deprel" => w => w.Deprel.Split(':')[0],
            _ when Task.Length > 0 && char.IsUpper(Task[0]) => w => w.Feats.GetValueOrDefault(Task),
            _ => throw new InputException(
                $"--task must be upos, xpos, deprel or a feature name such as Number, got '{Task}'"
            ),
        };

    /// <summary>The verification options of these settings.</summary>
    public VerificationOptions Verification()
    {
        if (Draws < 1)
            throw new InputException("--draws must be at least 1");
        return new VerificationOptions
        {
            Ks = PatchCommand.Ints(Ks, "--ks")!,
            RandomDraws = Draws,
            Seed = Seed,
        };
    }

    /// <summary>Train and test sentences, a description, and the data files' hashes.</summary>
    public (
        IReadOnlyList<ConllSentence> Train,
        IReadOnlyList<ConllSentence> Test,
        string Description,
        IReadOnlyDictionary<string, string> Files
    ) LoadSentences()
    {
        if (Sentences is < 2)
            throw new InputException("--sentences must be at least 2");
        if (!Builtin)
            return TreebankData.Load(Data, Train, Test, Split, Seed, Sentences);
        if (Data is not null || Train is not null)
            throw new InputException("--builtin generates its own sentences: give it without --data/--train/--test");
        if (Task != "upos")
            throw new InputException("--builtin has gold labels for upos only");
        int n = Sentences ?? 400;
        var (train, test) = BuiltInProbes.UposSample(n, Seed);
        return (
            train,
            test,
            string.Create(
                CultureInfo.InvariantCulture,
                $"built-in: {n} generated noun/verb-ambiguous sentences, seed {Seed}"
            ),
            new Dictionary<string, string>()
        );
    }
}
