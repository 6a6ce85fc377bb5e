using Glassbox.Circuits.Patching;
using Glassbox.Data;
using Glassbox.Loading;

namespace Glassbox.Tests.Circuits.Patching;

public sealed class CausalTracingTests
{
    private static readonly int[] Ids = { 3, 7, 11, 5, 20, 9, 14 };

    [Theory]
    [InlineData("gpt2")]
    [InlineData("llama")]
    public void Should_restore_the_clean_probability_from_the_last_hidden_state_and_ignore_positions_before_the_subject(
        string family
    )
    {
        using var model = TinyModels.Create(family, seed: 4);
        var prompt = TracePrompt.FromIds(Ids, 2, 4, answer: 9);
        var r = CausalTracing.Trace(model, prompt, new TraceOptions { Samples = 4, Seed = 7 });
        int L = model.Config.NLayers,
            T = Ids.Length;
        Assert.True(Math.Abs(r.PClean - r.PCorrupted) > 1e-4, "noise must change p(answer)");
        // The last block's output at the last position determines the prediction.
        Assert.Equal(r.PClean - r.PCorrupted, r.IndirectEffect[L - 1][T - 1], 5);
        // Positions before the subject are untouched by the noise in a causal model: restoring them does nothing.
        for (int l = 0; l < L; l++)
        {
            Assert.Equal(0f, r.IndirectEffect[l][0], 6);
            Assert.Equal(0f, r.IndirectEffect[l][1], 6);
        }
    }

    [Fact]
    public void Should_give_the_same_trace_for_any_chunking_and_be_seeded()
    {
        using var model = TinyModels.Create("gpt2", seed: 4);
        var prompt = TracePrompt.FromIds(Ids, 1, 3, answer: 9);
        foreach (var kind in Enum.GetValues<TraceKind>())
        {
            var a = CausalTracing.Trace(
                model,
                prompt,
                new TraceOptions
                {
                    Kind = kind,
                    Samples = 3,
                    Window = 3,
                    ChunkRows = 3,
                }
            );
            var b = CausalTracing.Trace(
                model,
                prompt,
                new TraceOptions
                {
                    Kind = kind,
                    Samples = 3,
                    Window = 3,
                    ChunkRows = 1000,
                }
            );
            for (int l = 0; l < a.PRestored.Length; l++)
            for (int p = 0; p < Ids.Length; p++)
                Assert.Equal(a.PRestored[l][p], b.PRestored[l][p], 5);
            var c = CausalTracing.Trace(
                model,
                prompt,
                new TraceOptions
                {
                    Kind = kind,
                    Samples = 3,
                    Window = 3,
                    Seed = 1,
                }
            );
            Assert.NotEqual(a.PCorrupted, c.PCorrupted);
        }
    }

    [Fact]
    public void Should_use_rome_windows_and_categories()
    {
        Assert.Equal(new[] { 0, 1 }, CausalTracing.WindowLayers(TraceKind.Mlp, 0, 3, 12));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, CausalTracing.WindowLayers(TraceKind.Attn, 2, 10, 5));
        Assert.Equal(new[] { 2 }, CausalTracing.WindowLayers(TraceKind.Hidden, 2, 10, 5));
        Assert.Equal(new[] { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, CausalTracing.WindowLayers(TraceKind.Mlp, 8, 10, 20));
        // subject = tokens 1..3 of 7 (positions 1, 2, 3), then 4 (first subsequent), 5 (further), 6 (last): categories of each position.
        int Cat(int p) => Enumerable.Range(0, 6).Single(c => TraceAccumulator.InCategory(c, p, 1, 4, 7));
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, new[] { 1, 2, 3, 4, 5, 6 }.Select(Cat).ToArray());
        Assert.DoesNotContain(Enumerable.Range(0, 6), c => TraceAccumulator.InCategory(c, 0, 1, 4, 7));
    }

    [Fact]
    public void Should_average_a_prompt_set_by_category_with_errors()
    {
        using var model = TinyModels.Create("gpt2", seed: 4);
        var prompts = new[]
        {
            TracePrompt.FromIds(Ids, 1, 4, 9),
            TracePrompt.FromIds(Ids.Reverse().ToArray(), 2, 3, 9),
            TracePrompt.FromIds(Ids, 0, 1, 5),
        };
        var s = CausalTracing.TraceAll(model, prompts, new TraceOptions { Samples = 3, KeepPrompts = 1 });
        Assert.Equal(3, s.Prompts);
        Assert.Single(s.Examples);
        Assert.Equal(3, s.CategoryCounts[0]);
        Assert.Equal(1, s.CategoryCounts[1]);
        Assert.False(float.IsNaN(s.StdError[0][0]));
        Assert.Contains(s.Peak.Category, TraceSummary.CategoryNames);
        var html = s.AddTo(new Glassbox.Reports.HtmlReport("t")).Render();
        Assert.Contains("<svg", html);
    }

    [Fact]
    public void Should_reject_bad_trace_options()
    {
        using var model = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => TracePrompt.FromIds(Ids, 3, 3, 9));
        Assert.Throws<InputException>(() =>
            CausalTracing.Trace(model, TracePrompt.FromIds(Ids, 1, 2, 9), new TraceOptions { Samples = 0 })
        );
        Assert.Throws<InputException>(() => CausalTracing.Trace(model, TracePrompt.FromIds(Ids, 1, 2, 99)));
        using var bert = TinyModels.Create("bert");
        Assert.Throws<InputException>(() => CausalTracing.Trace(bert, TracePrompt.FromIds(Ids, 1, 2, 9)));
    }

    [SkippableFact]
    public void Should_find_the_subject_tokens_and_answer_of_a_stories260k_prompt()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        using var model = ModelLoader.Load("stories260k");
        var p = TracePrompt.Create(model, "Once upon a time, there was a little kid named Lily. One day,", "Lily");
        Assert.Equal(" Lily", model.Tokenizer!.TokenToString(p.Ids[p.SubjectStart]));
        Assert.Equal(p.SubjectStart + 1, p.SubjectEnd);
        Assert.Equal(p.Ids[p.SubjectStart], p.Answer); // the model repeats the name
        Assert.Equal(p.Answer, TracePrompt.AnswerToken(model, p.Text, "Lily"));
        Assert.Throws<InputException>(() => TracePrompt.Create(model, p.Text, "Timmy"));
    }
}
