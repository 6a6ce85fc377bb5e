using Glassbox.Concepts.Compositional;
using static TorchSharp.torch;

namespace Glassbox.Tests.Concepts.Compositional;

public sealed class OpenWordAtomsTests
{
    private static readonly string[] Forms = ["the", "zeta", "cat", "zeta", "the", "omega"];

    private static AtomSet Base() =>
        new(["word:the"], ["word"], [Forms.Select(f => f == "the").ToArray()], Forms.Length);

    [Fact]
    public void Should_add_the_words_a_unit_fires_on_most_as_atoms_for_its_search()
    {
        var open = new OpenWordAtoms(Forms, ["zeta", "cat"], 1);
        using var matrix = Base().Matrix();
        bool[] mask = [false, true, false, true, true, false]; // zeta twice, "the" once (already an atom)
        using var ext = open.Extend(
            Base(),
            matrix,
            Base() with
            {
                Rows =
                [
                    [true, false],
                ],
                Words = 2,
            },
            mask
        );
        Assert.Equal(["word:the", "word:zeta"], ext.Search.Names);
        Assert.Equal(new long[] { 2, 6 }, ext.Matrix.shape);
        Assert.Equal([false, true, false, true, false, false], ext.Search.Rows[1]);
        Assert.Equal([true, false], ext.Held!.Rows[1]); // the held-out words get the same atom
        var found = BeamSearch.Search(ext.Search, [false, true, false, true, false, false], null, ext.Matrix);
        Assert.Equal("word:zeta", found.Best.Text);
        Assert.Equal(1.0, found.Best.Iou, 9);
    }

    [Fact]
    public void Should_leave_the_atoms_alone_with_no_words_to_add()
    {
        using var matrix = Base().Matrix();
        using var none = new OpenWordAtoms(Forms, null, 0).Extend(
            Base(),
            matrix,
            null,
            [true, true, true, true, true, true]
        );
        Assert.Same(matrix, none.Matrix);
        Assert.False(none.Owned);
    }
}
