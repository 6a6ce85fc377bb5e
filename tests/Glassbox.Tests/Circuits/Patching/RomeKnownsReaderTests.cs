using Glassbox.Data;
using Glassbox.Tests.Data;

namespace Glassbox.Tests.Circuits.Patching;

public sealed class RomeKnownsReaderTests
{
    [Fact]
    public void Should_read_facts_and_name_the_record_of_a_bad_one()
    {
        using var dir = new DataTempDir();
        var ok = dir.Write(
            "k.json",
            """
            [{"known_id": 4, "subject": "Vinson Massif", "attribute": "Antarctica", "template": "{} is located in the continent",
              "prediction": " Antarctica.", "prompt": "Vinson Massif is located in the continent of", "relation_id": "P30"}]
            """
        );
        var f = Assert.Single(RomeKnownsReader.Read(ok));
        Assert.Equal(
            new RomeKnownFact(
                4,
                "Vinson Massif",
                "Antarctica",
                "{} is located in the continent",
                " Antarctica.",
                "Vinson Massif is located in the continent of",
                "P30"
            ),
            f
        );
        var bad = dir.Write(
            "b.json",
            """[{"subject": "X", "attribute": "Y", "prompt": "X is"}, {"subject": "Z", "attribute": "Y", "prompt": "W is"}]"""
        );
        Assert.Contains("record 1", Assert.Throws<DataFormatException>(() => RomeKnownsReader.Read(bad)).Message);
        Assert.Contains(
            "missing key 'attribute'",
            Assert
                .Throws<DataFormatException>(() =>
                    RomeKnownsReader.Read(dir.Write("c.json", """[{"subject": "X", "prompt": "X"}]"""))
                )
                .Message
        );
        Assert.Throws<DataFormatException>(() => RomeKnownsReader.Read(dir.Write("d.json", "{}")));
        Assert.Throws<DataFormatException>(() => RomeKnownsReader.Read(dir.Write("e.json", "[{")));
    }

    [SkippableFact]
    public void Should_read_the_shared_known_1000_file()
    {
        var path = RomeKnownsReader.DefaultPath;
        Skip.If(path is null, "../shared/data/rome-knowns is absent");
        var facts = RomeKnownsReader.Read(path!);
        Assert.Equal(1209, facts.Count);
        Assert.Equal("Vinson Massif", facts[0].Subject);
        Assert.Equal("P30", facts[0].RelationId);
    }
}
