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
            // The same file for both is allowed (a training-set fit, e.g. to check that a probe can fit at all);
            // the description says so, because the test score is then not held out.
            bool same = string.Equals(
                Path.GetFullPath(trainFile),
                Path.GetFullPath(testFile!),
                OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal
            );
            var te = same ? tr : ConllUReader.Read(testFile!);
            if (same)
                Console.Error.WriteLine(
                    "warning: --train and --test name the same file: the test score is a training-set fit, not held out"
                );
            return (
                tr,
                te,
                same
                    ? $"Trained and tested on the same file {Path.GetFileName(trainFile)} (the test score is a training-set fit, not held out)"
                    : $"Trained on {Path.GetFileName(trainFile)}, tested on {Path.GetFileName(testFile)}",
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

    /// <summary>The word forms of the sentences of one CoNLL-U file (default: UD EWT dev in ../shared/data), the first
    /// <paramref name="limit"/> when given, with a description and the file's hash.</summary>
    public static (
        IReadOnlyList<IReadOnlyList<string>> Sentences,
        string Description,
        IReadOnlyDictionary<string, string> Files
    ) Words(string? data, int? limit)
    {
        if (limit is < 1)
            throw new InputException("--sentences must be at least 1");
        var path = data
            ?? SharedData.File("ud-english-ewt", "en_ewt-ud-dev.conllu")
            ?? throw new InputException("no data: give --data FILE.conllu (../shared/data with UD EWT is absent)");
        var all = ConllUReader.Read(path);
        var used = (limit is int n ? all.Take(n) : all)
            .Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList())
            .ToList();
        return (
            used,
            limit is null
                ? Path.GetFileName(path)
                : string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(path)}, first {used.Count} sentences"
                ),
            Hashes(path)
        );
    }

    /// <summary>File name → content hash of each distinct input file; two different files with the same name are keyed
    /// by their full paths instead.</summary>
    private static IReadOnlyDictionary<string, string> Hashes(params string[] files)
    {
        var distinct = files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        bool clash = distinct.Select(Path.GetFileName).Distinct(StringComparer.Ordinal).Count() < distinct.Count;
        return distinct.ToDictionary(
            f => clash ? f : Path.GetFileName(f),
            f => Glassbox.Loading.ModelLoader.HashFiles(new[] { f }),
            StringComparer.Ordinal
        );
    }
}
