using System.Globalization;
using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Probing;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Neurons;

/// <summary>
/// Unit activations of one hook with a label per row, split into train and test: what rankings and their
/// verification work on. Rows are words (pooled subwords) of sentences; <see cref="TestGroups"/> gives the sentence of
/// each test row so intervals resample whole sentences.
/// </summary>
/// <param name="Hook">Full hook name the units live on, e.g. <c>blocks.3.mlp.hook_post</c>.</param>
/// <param name="Train">Training activations, [n_train, units], float32.</param>
/// <param name="TrainLabels">Label index of each training row.</param>
/// <param name="Test">Test activations, [n_test, units], float32.</param>
/// <param name="TestLabels">Label index of each test row.</param>
/// <param name="Classes">Label names, by index.</param>
/// <param name="TrainTypes">Word type (lower-cased form) of each training row, for control tasks.</param>
/// <param name="TestTypes">Word type of each test row.</param>
/// <param name="TestGroups">Sentence of each test row.</param>
public sealed record LabelledUnits(
    string Hook,
    Tensor Train,
    int[] TrainLabels,
    Tensor Test,
    int[] TestLabels,
    IReadOnlyList<string> Classes,
    IReadOnlyList<string> TrainTypes,
    IReadOnlyList<string> TestTypes,
    int[] TestGroups
) : IDisposable
{
    /// <summary>Number of units (width of the hook's last axis).</summary>
    public int Units => (int)Train.shape[1];

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }

    /// <summary>Word-level unit activations at <paramref name="hook"/> for UD sentences, labelled by
    /// <paramref name="label"/> (null skips a word); test words whose label was not seen in training are dropped.</summary>
    /// <exception cref="InputException">Unknown hook, empty sets, or fewer than two labels.</exception>
    public static LabelledUnits FromTreebank(
        HookedTransformer model,
        IReadOnlyList<ConllSentence> train,
        IReadOnlyList<ConllSentence> test,
        string hook,
        Func<ConllWord, string?> label,
        Pooling pooling = Pooling.First,
        Action<int, int>? progress = null
    )
    {
        ArgumentNullException.ThrowIfNull(model);
        HookName.Require(hook, model.HookNames);
        var (point, _) = HookName.Parse(hook);
        if (point.Shape.Count != 3)
            throw new InputException(
                $"{hook} has shape {point.ShapeText}; units need a hook of shape [batch, pos, units]"
            );
        if (train.Count == 0 || test.Count == 0)
            throw new InputException("ranking needs training and test sentences");
        var all = train.Concat(test).ToList();
        using var reps = RepresentationExtractor.Words(
            model,
            all.Select(s => (IReadOnlyList<string>)s.Words.Select(w => w.Form).ToList()).ToList(),
            new ExtractionOptions
            {
                Hooks = new[] { hook },
                Pooling = pooling,
                Progress = progress,
            }
        );
        var rows = new List<(int Row, int Sentence, string Label, string Type)>();
        for (int r = 0; r < reps.Count; r++)
        {
            var w = all[reps.SentenceOf[r]].Words[reps.WordOf[r]];
            if (label(w) is string l)
                rows.Add((r, reps.SentenceOf[r], l, w.Form.ToLowerInvariant()));
        }
        var trainRows = rows.Where(r => r.Sentence < train.Count).ToArray();
        var classes = trainRows.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length < 2)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"the training set has {classes.Length} label(s); ranking needs at least 2"
                )
            );
        var id = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var testRows = rows.Where(r => r.Sentence >= train.Count && id.ContainsKey(r.Label)).ToArray();
        if (testRows.Length == 0)
            throw new InputException("no test word has a label seen in training");
        var x = reps.Layers[0];
        using var trIdx = tensor(trainRows.Select(r => (long)r.Row).ToArray());
        using var teIdx = tensor(testRows.Select(r => (long)r.Row).ToArray());
        return new LabelledUnits(
            hook,
            x.index_select(0, trIdx).to(ScalarType.Float32).DetachFromDisposeScope(),
            trainRows.Select(r => id[r.Label]).ToArray(),
            x.index_select(0, teIdx).to(ScalarType.Float32).DetachFromDisposeScope(),
            testRows.Select(r => id[r.Label]).ToArray(),
            classes,
            trainRows.Select(r => r.Type).ToArray(),
            testRows.Select(r => r.Type).ToArray(),
            testRows.Select(r => r.Sentence).ToArray()
        );
    }
}
