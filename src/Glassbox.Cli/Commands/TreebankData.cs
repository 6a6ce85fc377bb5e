using System.Globalization;
using Glassbox.Data;

namespace Glassbox.Cli.Commands;

/// <summary>Loads the treebank of a probe command: --train/--test files, or one --data file (default: UD EWT dev in
/// ../shared/data) split by sentence with a seed.</summary>
internal static class TreebankData
{
    public static (
        IReadOnlyList<ConllSentence> Train,
        IReadOnlyList<ConllSentence> Test,
        string Description,
        IReadOnlyDictionary<string, string> Files
    ) Load(string? data, string? trainFile, string? testFile, double split, int seed, int? limit = null)
    {
        if ((trainFile is null) != (testFile is null))
            throw new InputException("--train and --test go together");
        if (trainFile is not null && data is not null)
            throw new InputException("give --data or --train/--test, not both");
        if (trainFile is not null)
        {
            var tr = ConllUReader.Read(trainFile);
            var te = ConllUReader.Read(testFile!);
            return (
                tr,
                te,
                $"Trained on {Path.GetFileName(trainFile)}, tested on {Path.GetFileName(testFile)}",
                Hashes(trainFile, testFile!)
            );
        }
        var path = data
            ?? SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu")
            ?? throw new InputException(
                "no data: give --data FILE.conllu or --train/--test (../shared/data with UD EWT is absent)"
            );
        if (split is <= 0 or >= 1)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--split must be between 0 and 1, got {split}")
            );
        var all = ConllUReader.Read(path);
        var used = limit is int n ? all.Take(n).ToList() : all;
        var (train, test) = SeededSplit.Split(used, split, seed, path);
        string first = limit is null
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $", first {used.Count} sentences");
        return (
            train,
            test,
            string.Create(
                CultureInfo.InvariantCulture,
                $"{Path.GetFileName(path)}{first} split by sentence {split:P0}/{1 - split:P0} (seed {seed})"
            ),
            Hashes(path)
        );
    }

    private static IReadOnlyDictionary<string, string> Hashes(params string[] files) =>
        files.ToDictionary(f => Path.GetFileName(f), f => Glassbox.Loading.ModelLoader.HashFiles(new[] { f }));
}
