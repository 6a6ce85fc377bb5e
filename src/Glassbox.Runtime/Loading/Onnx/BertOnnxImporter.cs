using System.Globalization;
using System.Text.RegularExpressions;
using Glassbox.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Loading.Onnx;

/// <summary>
/// Imports a BERT encoder exported to ONNX (Hugging Face naming) into canonical weights. Named initializers map
/// directly; anonymous MatMul weights are identified by following the graph: the Add node that consumes a MatMul's
/// output names the layer through its bias initializer (<c>...query.bias</c> ⇒ the MatMul weight is
/// <c>...query.weight</c>, stored [in, out] and transposed here). The head count is read from the Reshape shape
/// constants (the <c>[batch, pos, heads, d_head]</c> split); the LayerNorm epsilon from the normalisation Add.
/// </summary>
public static partial class BertOnnxImporter
{
    [GeneratedRegex(@"^(?:bert\.)?encoder\.layer\.(\d+)\.(.+)\.(weight|bias)$")]
    private static partial Regex LayerKey();

    private static readonly Dictionary<string, string> LayerMap = new()
    {
        ["attention.self.query"] = "attn.{0}_Q",
        ["attention.self.key"] = "attn.{0}_K",
        ["attention.self.value"] = "attn.{0}_V",
        ["attention.output.dense"] = "attn.{0}_O",
        ["attention.output.LayerNorm"] = "ln1.{1}",
        ["intermediate.dense"] = "mlp.{0}_in",
        ["output.dense"] = "mlp.{0}_out",
        ["output.LayerNorm"] = "ln2.{1}",
    };

    /// <summary>Imports the model.</summary>
    /// <exception cref="ModelFormatException">The graph is not a BERT encoder this importer understands.</exception>
    /// <exception cref="WeightMismatchException">The result does not match the canonical layout (every problem listed).</exception>
    public static LoadedWeights Import(OnnxModel m, string source)
    {
        // Anonymous MatMul weights: name them after the bias their consuming Add adds.
        var named = new Dictionary<string, (OnnxTensor T, bool Transpose)>(StringComparer.Ordinal);
        foreach (var (name, t) in m.Initializers)
            named[name] = (t, false);
        var consumers = m
            .Nodes.SelectMany(n => n.Inputs.Select(i => (Input: i, Node: n)))
            .ToLookup(x => x.Input, x => x.Node);
        foreach (
            var mm in m.Nodes.Where(n =>
                n.OpType == "MatMul" && n.Inputs.Count == 2 && m.Initializers.ContainsKey(n.Inputs[1])
            )
        )
        {
            var add = consumers[mm.Outputs[0]].FirstOrDefault(n => n.OpType == "Add");
            var bias = add?.Inputs.FirstOrDefault(i =>
                i.EndsWith(".bias", StringComparison.Ordinal) && m.Initializers.ContainsKey(i)
            );
            if (bias is null)
                continue;
            named[bias[..^".bias".Length] + ".weight"] = (m.Initializers[mm.Inputs[1]], true);
        }

        Tensor Get(string key)
        {
            foreach (var k in new[] { key, "bert." + key })
                if (named.TryGetValue(k, out var e))
                    return ToTensor(e.T, e.Transpose);
            throw new ModelFormatException($"{source}: ONNX graph has no tensor for '{key}'");
        }

        var wE = Get("embeddings.word_embeddings.weight");
        var wPos = Get("embeddings.position_embeddings.weight");
        var wType = Get("embeddings.token_type_embeddings.weight");
        int dModel = (int)wE.shape[1];
        var layers = named
            .Keys.Select(k => LayerKey().Match(k))
            .Where(x => x.Success)
            .Select(x => int.Parse(x.Groups[1].Value, CultureInfo.InvariantCulture))
            .Distinct()
            .Count();
        if (layers == 0)
            throw new ModelFormatException($"{source}: no encoder.layer.N tensors found; not a BERT encoder");
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embed.W_E"] = wE,
            ["pos_embed.W_pos"] = wPos,
            ["token_type_embed.W_type"] = wType,
            ["embed_ln.w"] = Get("embeddings.LayerNorm.weight"),
            ["embed_ln.b"] = Get("embeddings.LayerNorm.bias"),
        };
        for (int l = 0; l < layers; l++)
            foreach (var (hf, ours) in LayerMap)
            {
                w[
                    string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.")
                        + string.Format(CultureInfo.InvariantCulture, ours, "W", "w")
                ] = Get(string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{l}.{hf}.weight"));
                w[
                    string.Create(CultureInfo.InvariantCulture, $"blocks.{l}.")
                        + string.Format(CultureInfo.InvariantCulture, ours, "b", "b")
                ] = Get(string.Create(CultureInfo.InvariantCulture, $"encoder.layer.{l}.{hf}.bias"));
            }
        int heads = HeadCount(m, dModel)
            ?? throw new ModelFormatException(
                $"{source}: cannot find the attention head count in the graph's Reshape shapes"
            );
        var config = new ModelConfig
        {
            Architecture = "bert",
            DModel = dModel,
            NLayers = layers,
            NHeads = heads,
            DHead = dModel / heads,
            DMlp = (int)w["blocks.0.mlp.W_in"].shape[0],
            DVocab = (int)wE.shape[0],
            NCtx = (int)wPos.shape[0],
            NTokenTypes = (int)wType.shape[0],
            Norm = NormKind.LayerNorm,
            NormEps = LayerNormEps(m) ?? 1e-12,
            Positions = PositionKind.Learned,
            Activation = ActivationKind.Gelu,
            PostNorm = true,
            Causal = false,
            EmbedNorm = true,
            FinalNorm = false,
            HasUnembed = false,
            AttnQkvBias = true,
            AttnOutBias = true,
            MlpBias = true,
            PadTokenId = 0,
        }.Validate();
        var problems = LayoutCheck.Problems(config, w);
        if (problems.Count > 0)
        {
            foreach (var t in w.Values)
                t.Dispose();
            throw new WeightMismatchException(source, problems);
        }
        return new LoadedWeights(config, w);
    }

    private static Tensor ToTensor(OnnxTensor t, bool transpose)
    {
        Tensor x;
        if (t.DataType == OnnxTensor.Float)
        {
            // Copy the raw bytes straight into the tensor: one copy, no intermediate float[].
            x = empty(t.Dims, ScalarType.Float32);
            var src = t.Raw;
            TensorMemory.ForEachChunk(x, (chunk, at) => src.Span.Slice((int)at, chunk.Length).CopyTo(chunk));
        }
        else
            x = tensor(t.Floats(), t.Dims);
        if (!transpose)
            return x.DetachFromDisposeScope();
        var y = x.t().contiguous();
        x.Dispose();
        return y.DetachFromDisposeScope();
    }

    /// <summary>Heads from a Concat that builds a 4-d Reshape shape [b, p, heads, d_head] with heads*d_head = d_model.</summary>
    private static int? HeadCount(OnnxModel m, int dModel)
    {
        long? Scalar(string name)
        {
            var t = m.Initializers.GetValueOrDefault(name)
                ?? m.Nodes.FirstOrDefault(n => n.OpType == "Constant" && n.Outputs.Contains(name))?.Value;
            if (t is null || t.Count != 1 || t.DataType is not (OnnxTensor.Int64 or OnnxTensor.Int32))
                return null;
            return t.Longs()[0];
        }
        foreach (var c in m.Nodes.Where(n => n.OpType == "Concat" && n.Inputs.Count == 4))
        {
            long? h = Scalar(c.Inputs[2]),
                d = Scalar(c.Inputs[3]);
            if (h is > 0 && d is > 0 && h * d == dModel)
                return (int)h;
        }
        return null;
    }

    /// <summary>The epsilon added to the variance: the float Constant added to a ReduceMean output.</summary>
    private static double? LayerNormEps(OnnxModel m)
    {
        var reduceOutputs = m.Nodes.Where(n => n.OpType == "ReduceMean").SelectMany(n => n.Outputs).ToHashSet();
        foreach (var add in m.Nodes.Where(n => n.OpType == "Add" && n.Inputs.Any(reduceOutputs.Contains)))
        {
            var other = add.Inputs.First(i => !reduceOutputs.Contains(i));
            var t = m.Initializers.GetValueOrDefault(other)
                ?? m.Nodes.FirstOrDefault(n => n.OpType == "Constant" && n.Outputs.Contains(other))?.Value;
            if (t is { DataType: OnnxTensor.Float, Count: 1 })
                return t.Floats()[0];
        }
        return null;
    }
}
