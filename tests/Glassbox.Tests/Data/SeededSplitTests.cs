using Glassbox.Data;

namespace Glassbox.Tests.Data;

public class SeededSplitTests
{
    [Fact]
    public void Should_split_reproducibly_keep_order_and_cover_every_item_once()
    {
        var items = Enumerable.Range(0, 50).ToList();
        var (train, test) = SeededSplit.Split(items, 0.8, 3);
        Assert.Equal(40, train.Count);
        Assert.Equal(10, test.Count);
        Assert.Equal(items, train.Concat(test).Order());
        Assert.Equal(train.Order(), train);
        Assert.Equal(test.Order(), test);
        Assert.Equal(train, SeededSplit.Split(items, 0.8, 3).Train);
        Assert.NotEqual(train, SeededSplit.Split(items, 0.8, 4).Train);
        Assert.Equal(SeededSplit.Permutation(50, 3), SeededSplit.Permutation(50, 3));
    }

    [Fact]
    public void Should_reject_a_split_with_an_empty_part()
    {
        Assert.Throws<InputException>(() => SeededSplit.Split(new[] { 1, 2 }, 0.1, 0));
        Assert.Throws<InputException>(() => SeededSplit.Split(new[] { 1, 2, 3 }, 1.0, 0));
    }
}
