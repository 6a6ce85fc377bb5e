using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Models;

namespace Glassbox.Tests.Loading;

public sealed class ModelExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private void AssertSameModel(HookedTransformer a, HookedTransformer b, string text)
    {
        Assert.Equal(a.Config, b.Config);
        Assert.Equal(a.Weights.Keys.Order(), b.Weights.Keys.Order());
        foreach (var (k, t) in a.Weights)
            Assert.True(TinyModels.MaxAbsDiff(t, b.Weights[k]) == 0, k);
        Assert.Equal(a.Tokenizer!.Encode(text).Ids, b.Tokenizer!.Encode(text).Ids);
        using var batch = a.Tokenize(new[] { text });
        using var ya = a.Forward(batch);
        using var yb = b.Forward(batch);
        Assert.Equal(0f, TinyModels.MaxAbsDiff(ya, yb));
    }

    [Fact]
    public void Should_export_minilm_as_a_hf_bert_directory_that_loads_back_identically()
    {
        using var model = ModelLoader.Load("minilm");
        ModelExport.Export(model, _dir);
        Assert.True(File.Exists(Path.Combine(_dir, "vocab.txt")));
        using var back = ModelLoader.Load(_dir);
        AssertSameModel(model, back, "Exported models must load back identically.");
    }

    [SkippableFact]
    public void Should_export_stories260k_as_a_hf_llama_directory_that_loads_back_identically()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        using var model = ModelLoader.Load("stories260k");
        ModelExport.Export(model, _dir);
        using var back = ModelLoader.Load(_dir);
        AssertSameModel(model, back, "Once upon a time, Lily saw a cat.");
    }
}
