using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glassbox.Loading;
using Glassbox.Models.Families;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Classification;

/// <summary>
/// Saves and loads a <see cref="SequenceClassifier"/> as a Hugging Face <c>BertForSequenceClassification</c>
/// directory: config.json (the encoder's keys plus <c>architectures</c>, <c>num_labels</c>, <c>id2label</c>,
/// <c>label2id</c>, <c>classifier_dropout</c> and Glassbox's <c>classifier_pooling</c>), model.safetensors with
/// Hugging Face key names (<c>bert.embeddings...</c>, <c>bert.encoder...</c>, <c>bert.pooler.dense.*</c>,
/// <c>classifier.*</c>) and the tokenizer files. The directory is written beside its destination and renamed into
/// place, so readers never see a half-written classifier.
/// </summary>
public static class ClassifierCheckpoint
{
    /// <summary>The config.json architecture class of a classifier directory.</summary>
    public const string Architecture = "BertForSequenceClassification";

    /// <summary>config.json key for the pooling ("cls" or "mean"); Hugging Face itself always pools [CLS].</summary>
    public const string PoolingKey = "classifier_pooling";

    /// <summary>Whether <paramref name="dir"/> holds a config.json whose <c>architectures</c> name
    /// <see cref="Architecture"/> (unreadable configs count as not a classifier).</summary>
    public static bool IsClassifierDirectory(string dir)
    {
        var path = Path.Combine(dir, HfCheckpoint.ConfigFile);
        if (!Directory.Exists(dir) || !File.Exists(path))
            return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return NamesArchitecture(doc.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Writes the classifier to <paramref name="dir"/> (replaced as a whole when it exists).</summary>
    /// <param name="classifier">The classifier.</param>
    /// <param name="dir">Destination directory.</param>
    /// <param name="extraFiles">Further files to place in the directory (name → writer), e.g. training state.</param>
    /// <exception cref="InputException">The encoder is not a BERT model or its tokenizer cannot be saved.</exception>
    public static void Save(
        SequenceClassifier classifier,
        string dir,
        IReadOnlyDictionary<string, Action<string>>? extraFiles = null
    )
    {
        var c = classifier.Encoder.Config;
        if (c.Architecture != "bert")
            throw new InputException($"only BERT encoders are saved as {Architecture}; this one is '{c.Architecture}'");
        var full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            WriteInto(classifier, temp);
            foreach (var (name, write) in extraFiles ?? new Dictionary<string, Action<string>>())
                write(Path.Combine(temp, name));
            Swap(temp, full);
        }
        finally
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, true);
        }
    }

    private static void WriteInto(SequenceClassifier classifier, string dir)
    {
        var c = classifier.Encoder.Config;
        var family = FamilyRegistry.ForModelType(c.Architecture, "save");
        var json = family.WriteConfig(c);
        json["architectures"] = new JsonArray(Architecture);
        json["num_labels"] = classifier.LabelCount;
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < classifier.LabelCount; i++)
        {
            id2label[i.ToString(CultureInfo.InvariantCulture)] = classifier.Labels[i];
            label2id[classifier.Labels[i]] = i;
        }
        json["id2label"] = id2label;
        json["label2id"] = label2id;
        json["problem_type"] = "single_label_classification";
        json["classifier_dropout"] = classifier.Dropout;
        json[PoolingKey] = SequenceClassifier.PoolingName(classifier.Pooling);
        json["torch_dtype"] = "float32";
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var tensors = new List<(string, Tensor)>();
            foreach (var wk in family.WeightKeys(c))
                tensors.Add(
                    (
                        "bert." + wk.HfKey,
                        wk.Codec.Encode(wk.Canonical.Select(n => classifier.Encoder.Weights[n].detach()).ToList()).cpu()
                    )
                );
            foreach (var (k, t) in classifier.HeadWeights)
                tensors.Add((k, t.detach().cpu()));
            SafetensorsWriter.Write(
                Path.Combine(dir, "model.safetensors"),
                tensors,
                new Dictionary<string, string> { ["format"] = "pt" }
            );
        }
        AtomicFile.WriteAllText(
            Path.Combine(dir, HfCheckpoint.ConfigFile),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"
        );
        switch (classifier.Encoder.Tokenizer)
        {
            case WordPieceTokenizer wp:
                wp.Save(dir);
                break;
            case ByteLevelBpeTokenizer bpe:
                bpe.Save(dir);
                break;
            case null:
                break;
            default:
                throw new InputException(
                    $"cannot save a tokenizer of type {classifier.Encoder.Tokenizer.GetType().Name} with a classifier"
                );
        }
    }

    /// <summary>Moves the finished <paramref name="temp"/> directory to <paramref name="full"/>, replacing an old one.</summary>
    private static void Swap(string temp, string full)
    {
        if (!Directory.Exists(full))
        {
            Directory.Move(temp, full);
            return;
        }
        var old = full + $".{Guid.NewGuid():N}.old";
        Directory.Move(full, old);
        Directory.Move(temp, full);
        Directory.Delete(old, true);
    }

    /// <summary>Loads a classifier directory: the encoder through <see cref="ModelLoader"/> (which skips the head
    /// keys), the head and labels here, each validated.</summary>
    /// <param name="dir">The directory.</param>
    /// <param name="device">Device (CPU by default).</param>
    /// <param name="dtype">The encoder's dtype (float32 by default); the head stays float32 and reads the encoder's
    /// float32 output.</param>
    /// <exception cref="InputException">Not a classifier directory; num_labels, id2label and label2id disagree; a
    /// classifier key is missing, unexpected or misshapen (named).</exception>
    /// <exception cref="GlassboxException">The encoder's config or weights are invalid (from the HF loader).</exception>
    public static SequenceClassifier Load(string dir, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var (labels, pooling, dropout) = ReadHeadConfig(dir);
        var encoder = ModelLoader.Load(dir, dtype: dtype, device: device);
        var head = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var path = Path.Combine(dir, "model.safetensors");
            if (!File.Exists(path))
                throw new InputException($"{path}: a classifier directory needs a single model.safetensors");
            using (var file = SafetensorsFile.Open(path))
            {
                foreach (var e in file.Entries)
                {
                    bool isHead =
                        e.Name.StartsWith("classifier.", StringComparison.Ordinal)
                        || e.Name.StartsWith("bert.pooler.", StringComparison.Ordinal)
                        || e.Name.StartsWith("pooler.", StringComparison.Ordinal);
                    if (isHead)
                        head[e.Name] = file.ReadTensor(e.Name, ScalarType.Float32);
                }
            }
            foreach (var (k, t) in head)
                if (FiniteWeights.Problem(k, t) is { } bad)
                    throw new InputException($"{path}: {bad}");
            var source = Path.Combine(dir, "model.safetensors");
            var classifier = SequenceClassifier.FromWeights(encoder, labels, pooling, head, dropout, source);
            return classifier;
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in head.Values)
                t.Dispose();
        }
    }

    /// <summary>Labels, pooling and dropout from a classifier's config.json, validated completely.</summary>
    /// <exception cref="InputException">Any inconsistency, naming the key.</exception>
    public static (IReadOnlyList<string> Labels, ClassifierPooling Pooling, double Dropout) ReadHeadConfig(string dir)
    {
        var path = Path.Combine(dir, HfCheckpoint.ConfigFile);
        if (!Directory.Exists(dir))
            throw new InputException($"{dir}: classifier directory not found");
        if (!File.Exists(path))
            throw new InputException($"{dir} is not a classifier directory: it has no config.json");
        using var doc = JsonText.Parse(File.ReadAllBytes(path), path, (m, e) => new InputException(m, e));
        var root = doc.RootElement;
        if (!NamesArchitecture(root))
            throw new InputException(
                $"{dir} is not a classifier directory: config.json 'architectures' does not name {Architecture}"
            );
        return ClassifierConfigJson.Read(root, path);
    }

    private static bool NamesArchitecture(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object
        && root.TryGetProperty("architectures", out var a)
        && a.ValueKind == JsonValueKind.Array
        && a.EnumerateArray().Any(x => x.ValueKind == JsonValueKind.String && x.GetString() == Architecture);
}
