using Glassbox.Data;
using Glassbox.Hooks;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Neurons;
using Glassbox.Tests.Cli;
using static TorchSharp.torch;

namespace Glassbox.Tests.Neurons.Ranking;

public sealed class LabelledUnitsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("glassbox-units-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static IReadOnlyList<ConllSentence> Sentences(int n, int offset)
    {
        string[] nouns = ["dog", "cat", "girl", "boy"];
        var text = string.Join(
            "\n",
            Enumerable
                .Range(offset, n)
                .Select(i =>
                    $"1\tthe\tthe\tDET\tDT\t_\t2\tdet\t_\t_\n2\t{nouns[i % 4]}\tx\tNOUN\tNN\t_\t3\tnsubj\t_\t_\n3\twas\tbe\tAUX\tVBD\t_\t0\troot\t_\t_\n4\tlittle\tlittle\tADJ\tJJ\t_\t3\tamod\t_\t_\n"
                )
        );
        return ConllUReader.Parse(new StringReader(text), "tiny.conllu");
    }

    [Fact]
    public void Should_extract_mlp_units_as_wide_as_d_mlp_and_equal_to_the_cached_activation()
    {
        using var model = ModelLoader.Load(TinyCliModel.Write(Path.Combine(_dir, "m")));
        string hook = HookPoints.MlpPost.Name(1);
        using var data = LabelledUnits.FromTreebank(model, Sentences(6, 0), Sentences(3, 6), hook, w => w.Upos);
        Assert.Equal(model.Config.DMlp, data.Units);
        Assert.NotEqual(model.Config.DModel, data.Units);
        // The first training row is "the" of sentence 0: its first (only) token follows [CLS].
        var ids = model.Tokenizer!.Encode("the dog was little").Ids;
        using var batch = TokenBatch.Single(ids);
        using var run = model.Run(batch, [], n => n == hook);
        using var expected = run.Cache[hook][0, 1]; // [d_mlp]
        using var actual = data.Train[0]; // [d_mlp]
        Assert.True(allclose(expected, actual, 1e-5, 1e-5));
        Assert.Equal(new[] { "ADJ", "AUX", "DET", "NOUN" }, data.Classes);
    }

    [Fact]
    public void Should_refuse_hooks_without_a_unit_axis_and_unknown_hooks()
    {
        using var model = ModelLoader.Load(TinyCliModel.Write(Path.Combine(_dir, "m")));
        Assert.Throws<InputException>(() =>
            LabelledUnits.FromTreebank(model, Sentences(2, 0), Sentences(2, 2), HookPoints.AttnPattern.Name(0), w =>
                w.Upos
            )
        );
        Assert.ThrowsAny<GlassboxException>(() =>
            LabelledUnits.FromTreebank(model, Sentences(2, 0), Sentences(2, 2), "blocks.9.mlp.hook_post", w => w.Upos)
        );
        Assert.Throws<InputException>(() =>
            LabelledUnits.FromTreebank(model, Sentences(2, 0), Sentences(2, 2), HookPoints.MlpPost.Name(0), _ => "same")
        );
    }

    [Theory]
    [InlineData("1.5", "blocks.1.mlp.hook_post", 5, false)]
    [InlineData("blocks.0.hook_resid_post:3", "blocks.0.hook_resid_post", 3, false)]
    [InlineData("sae:blocks.1.mlp.hook_post:900", "blocks.1.mlp.hook_post", 900, true)]
    public void Should_parse_units(string text, string hook, int index, bool sae)
    {
        var u = UnitRef.Parse(text, TinyModels.Gpt2);
        Assert.Equal(new UnitRef(hook, index, sae), u);
        Assert.Equal(text, u.ToString());
    }

    [Theory]
    [InlineData("x")]
    [InlineData("9.1")]
    [InlineData("1.99999")]
    [InlineData("blocks.0.hook_nope:1")]
    [InlineData("1.-2")]
    public void Should_refuse_bad_units_naming_the_argument(string text)
    {
        var e = Assert.Throws<InputException>(() => UnitRef.Parse(text, TinyModels.Gpt2, "--unit"));
        Assert.StartsWith("--unit", e.Message, StringComparison.Ordinal);
    }
}
