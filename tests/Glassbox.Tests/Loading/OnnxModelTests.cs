using Glassbox.Loading;
using Glassbox.Loading.Onnx;

namespace Glassbox.Tests.Loading;

public class OnnxModelTests
{
    [Fact]
    public void Should_read_the_embedded_minilm_graph()
    {
        var m = OnnxModel.Parse(MiniLmImporter.ReadOnnxBytes(), "model.onnx");
        Assert.Equal(new[] { "input_ids", "attention_mask", "token_type_ids" }, m.Inputs);
        Assert.Contains("last_hidden_state", m.Outputs);
        Assert.Equal(36, m.Nodes.Count(n => n.OpType == "MatMul" && m.Initializers.ContainsKey(n.Inputs[1])));
    }

    [Fact]
    public void Should_import_minilm_with_weights_found_by_following_the_graph()
    {
        var bytes = MiniLmImporter.ReadOnnxBytes();
        var m = OnnxModel.Parse(bytes, "model.onnx");
        using var w = BertOnnxImporter.Import(m, "model.onnx");
        Assert.Equal(
            (6, 384, 12, 1536, 30522, 512),
            (w.Config.NLayers, w.Config.DModel, w.Config.NHeads, w.Config.DMlp, w.Config.DVocab, w.Config.NCtx)
        );
        Assert.Equal(1e-12, w.Config.NormEps, 1e-15);
        // The first MatMul of the graph feeds query.bias of layer 0: its weight, transposed, is W_Q.
        var mm = m.Nodes.First(n => n.OpType == "MatMul" && m.Initializers.ContainsKey(n.Inputs[1]));
        var raw = m.Initializers[mm.Inputs[1]];
        Assert.Equal(new long[] { 384, 384 }, raw.Dims);
        var f = raw.Floats();
        var wq = w.Weights["blocks.0.attn.W_Q"];
        Assert.Equal(f[1 * 384 + 2], wq[2, 1].item<float>());
        Assert.Equal(f[5 * 384 + 0], wq[0, 5].item<float>());
    }

    [Theory]
    [InlineData(new byte[] { 0x3A })] // field 7, length-delimited, missing length
    [InlineData(new byte[] { 0x3A, 0xFF, 0xFF, 0xFF, 0x7F })] // graph length far beyond the buffer
    [InlineData(new byte[] { 0x3A, 0x02, 0x0A, 0x05 })] // node length beyond the graph
    [InlineData(new byte[] { 0x08, 0x80, 0x80, 0x80 })] // truncated varint
    [InlineData(new byte[] { 0x0B, 0x00 })] // group wire type
    public void Should_reject_malformed_protobuf(byte[] bytes)
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxModel.Parse(bytes, "bad.onnx"));
        Assert.Contains("bad.onnx", e.Message);
    }

    [Fact]
    public void Should_reject_a_model_without_a_graph() =>
        Assert.Throws<ModelFormatException>(() => OnnxModel.Parse(new byte[] { 0x08, 0x07 }, "nograph.onnx"));
}
