using Glassbox.Data;
using Glassbox.Loading;
using Glassbox.Models;

namespace Glassbox.Tests.Parity;

/// <summary>stories260K must generate exactly what llama2.c's run.c generates (temperature 0).</summary>
public class Stories260KParityTests
{
    // llama2.c: ./run stories260K.bin -z tok512.bin -t 0 -n 60 -i "Once upon a time"
    private const string Expected =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high";

    [SkippableFact]
    public void Should_generate_what_llama2c_generates_greedily()
    {
        Skip.If(SharedData.File("stories260K", "stories260K.bin") is null, "../shared/data/stories260K is absent");
        using var model = ModelLoader.Load("stories260k");
        var prompt = model.Tokenizer!.Encode("Once upon a time").Ids;
        Assert.Equal(1, prompt[0]);
        // run.c runs 60 positions: BOS at position 0, then prompt tokens and generated tokens up to position 60.
        var ids = TextGenerator.Generate(
            model,
            prompt,
            new GenerationOptions { MaxNewTokens = 61 - prompt.Count, StopToken = 1 }
        );
        Assert.Equal(61, ids.Count);
        Assert.Equal(Expected, model.Tokenizer.Decode(ids));
    }
}
