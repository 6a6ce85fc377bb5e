using System.Text.Json.Nodes;

namespace Glassbox.Models.Families;

/// <summary>Small helpers shared by the families' config writers.</summary>
internal static class FamilyJson
{
    /// <summary>Adds <c>bos_token_id</c>, <c>eos_token_id</c> and <c>pad_token_id</c> when the config has them.</summary>
    public static void AddTokenIds(JsonObject o, ModelConfig c)
    {
        if (c.BosTokenId is { } bos)
            o["bos_token_id"] = bos;
        if (c.EosTokenId is { } eos)
            o["eos_token_id"] = eos;
        if (c.PadTokenId is { } pad)
            o["pad_token_id"] = pad;
    }
}
