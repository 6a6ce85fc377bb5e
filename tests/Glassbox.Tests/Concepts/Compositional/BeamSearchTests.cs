using Glassbox.Concepts.Compositional;

namespace Glassbox.Tests.Concepts.Compositional;

public class BeamSearchTests
{
    [Fact]
    public void Should_recover_noun_and_not_first_position_with_iou_one()
    {
        var sentences = CompositionalFixtures.Sentences(80, 1);
        var atoms = ConceptAtoms.Build(sentences);
        int noun = atoms.IndexOf("upos:NOUN"),
            first = atoms.IndexOf("pos:first");
        Assert.True(noun >= 0 && first >= 0);
        var target = Formula.Atom(noun).Then(FormulaOp.AndNot, first).Evaluate(atoms);
        // Activations: targets in [2, 3), everything else in [0, 1); the quantile is the target fraction, so the
        // binarised unit is exactly the target set.
        var rng = new Random(7);
        var acts = target.Select(t => (float)((t ? 2 : 0) + rng.NextDouble())).ToArray();
        double fraction = (double)target.Count(t => t) / target.Length;
        var (mask, threshold) = UnitMasks.Binarise(acts, fraction);
        Assert.Equal(target, mask);
        Assert.InRange(threshold, 0.5, 2.5);
        var r = BeamSearch.Search(atoms, mask, new BeamOptions { MaxLength = 3, Beam = 5 });
        Assert.Equal(1.0, r.Best.Iou, 12);
        Assert.Equal("(upos:NOUN AND NOT pos:first)", r.Best.Text);
        Assert.Equal(2, r.Best.Formula.Length);
        Assert.Equal("upos:NOUN", r.BestSingleAtom.Text);
        Assert.True(r.BestSingleAtom.Iou < 1);
        Assert.Equal(3, r.BestByLength.Count);
        Assert.Equal(r.BestSingleAtom, r.BestByLength[0]);
    }

    [Fact]
    public void Should_score_the_same_formulas_with_one_matrix_product_as_with_per_word_loops()
    {
        var atoms = ConceptAtoms.Build(CompositionalFixtures.Sentences(60, 2));
        var rng = new Random(3);
        var unit = Enumerable.Range(0, atoms.Words).Select(_ => rng.Next(9) == 0).ToArray();
        var fast = BeamSearch.Search(atoms, unit, new BeamOptions { MaxLength = 4, Beam = 4 });
        var slow = BeamSearch.Search(
            atoms,
            unit,
            new BeamOptions
            {
                MaxLength = 4,
                Beam = 4,
                PerWordLoops = true,
            }
        );
        Assert.Equal(slow.BestByLength.Select(b => b.Text), fast.BestByLength.Select(b => b.Text));
        Assert.Equal(slow.BestByLength.Select(b => b.Iou), fast.BestByLength.Select(b => b.Iou));
        Assert.Equal(slow.FormulasScored, fast.FormulasScored);
        foreach (var b in fast.BestByLength) // the reported IoU is the IoU of the formula's own mask
            Assert.Equal(UnitMasks.Iou(b.Formula.Evaluate(atoms), unit), b.Iou, 12);
        Assert.True(fast.Best.Iou >= fast.BestSingleAtom.Iou);
    }

    [Fact]
    public void Should_compute_iou_as_intersection_over_union()
    {
        bool[] a =  { true, true, false, false, true },
            b =  { true, false, true, false, true };
        Assert.Equal(2.0 / 4, UnitMasks.Iou(a, b), 12);
        Assert.Equal(1.0, UnitMasks.Iou(a, a), 12);
        Assert.Equal(0.0, UnitMasks.Iou(new bool[3], new bool[3]));
        Assert.Equal(0.0, UnitMasks.Iou(new[] { true, false }, new[] { false, true }));
    }

    [Fact]
    public void Should_binarise_a_unit_above_its_top_quantile()
    {
        var acts = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        var (mask, t) = UnitMasks.Binarise(acts, 0.05);
        Assert.Equal(94.05, t, 6); // 0.95 quantile with linear interpolation
        Assert.Equal(Enumerable.Range(95, 5), Enumerable.Range(0, 100).Where(i => mask[i]));
        var (none, _) = UnitMasks.Binarise(new float[10], 0.005);
        Assert.DoesNotContain(true, none); // a constant unit never fires
    }

    [Fact]
    public void Should_build_atoms_of_every_category_with_their_words()
    {
        var sentences = CompositionalFixtures.Sentences(40, 4);
        var lex = new Dictionary<string, IReadOnlySet<string>> { ["positive"] = new HashSet<string> { "happy" } };
        var atoms = ConceptAtoms.Build(sentences, lexicons: lex, options: new AtomOptions { MinWordCount = 5 });
        var words = sentences.SelectMany(s => s.Words.Select((w, i) => (w, i, s.Words.Count))).ToArray();
        Assert.Equal(words.Length, atoms.Words);
        void Same(string atom, Func<(Glassbox.Data.ConllWord W, int I, int N), bool> truth) =>
            Assert.Equal(words.Select(truth), atoms.Rows[atoms.IndexOf(atom)]);
        Same("upos:NOUN", x => x.W.Upos == "NOUN");
        Same("feat:Number=Plur", x => x.W.Feats.GetValueOrDefault("Number") == "Plur");
        Same("dep:root", x => x.W.Deprel == "root");
        Same("lex:positive", x => x.W.Form == "happy");
        Same("pos:first", x => x.I == 0);
        Same("pos:last", x => x.I == x.N - 1);
        Same("pos:bin1/4", x => x.I * 4 / x.N == 0);
        Same("word:the", x => x.W.Form == "the");
        using var m = atoms.Matrix();
        Assert.Equal(new long[] { atoms.Count, atoms.Words }, m.shape);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void Should_reject_a_quantile_outside_zero_one(double q)
    {
        var e = Assert.Throws<InputException>(() => UnitMasks.Binarise(new[] { 1f, 2f }, q));
        Assert.Contains("--quantile", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Should_reject_empty_data()
    {
        var e = Assert.Throws<InputException>(() => ConceptAtoms.Build(Array.Empty<Glassbox.Data.ConllSentence>()));
        Assert.Contains("empty data", e.Message);
        Assert.Throws<InputException>(() => UnitMasks.Binarise(Array.Empty<float>(), 0.1));
    }

    [Fact]
    public void Should_reject_a_non_finite_activation_and_bad_beam_options()
    {
        Assert.Throws<InputException>(() => UnitMasks.Binarise(new[] { 1f, float.NaN }, 0.1));
        var atoms = ConceptAtoms.Build(CompositionalFixtures.Sentences(10, 5));
        var unit = new bool[atoms.Words];
        unit[0] = true;
        Assert.Contains(
            "--beam",
            Assert.Throws<InputException>(() => BeamSearch.Search(atoms, unit, new BeamOptions { Beam = 0 })).Message
        );
        Assert.Contains(
            "--max-length",
            Assert
                .Throws<InputException>(() => BeamSearch.Search(atoms, unit, new BeamOptions { MaxLength = 0 }))
                .Message
        );
        Assert.Throws<InputException>(() => BeamSearch.Search(atoms, new bool[3], new BeamOptions()));
    }
}
