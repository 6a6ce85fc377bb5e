using System.Globalization;
using Glassbox.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Models;

/// <summary>Token strings for notebooks and tables, like TransformerLens's <c>HookedTransformer.to_str_tokens</c>:
/// one printable string per token (e.g. <c>" world"</c> for GPT-2, <c>"##ing"</c> for WordPiece).</summary>
public static class TokenStrings
{
    /// <summary>The tokens of <paramref name="text"/> as strings, in order.</summary>
    /// <param name="model">The model (its tokenizer is used).</param>
    /// <param name="text">Text to tokenize.</param>
    /// <param name="addSpecialTokens">Add the tokenizer's usual special tokens (BOS for Llama, [CLS]/[SEP] for BERT;
    /// GPT-2 adds none), exactly as <see cref="HookedTransformer.Tokenize"/> does.</param>
    /// <param name="prependBos">Also put the BOS token first when it is not already there (TransformerLens's
    /// <c>prepend_bos</c>; GPT-2's BOS is <c>&lt;|endoftext|&gt;</c>).</param>
    /// <exception cref="InputException">The model has no tokenizer, or BOS was asked for and none is defined.</exception>
    public static IReadOnlyList<string> ToStrTokens(
        this HookedTransformer model,
        string text,
        bool addSpecialTokens = true,
        bool prependBos = false
    )
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokenizer = RequireTokenizer(model);
        var ids = tokenizer.Encode(text, addSpecialTokens).Ids.ToList();
        if (prependBos)
        {
            int bos = tokenizer.BosId
                ?? model.Config.BosTokenId
                ?? throw new InputException(
                    $"{model.Name} defines no BOS token; call ToStrTokens with prependBos: false"
                );
            if (ids.Count == 0 || ids[0] != bos)
                ids.Insert(0, bos);
        }
        return ToStrTokens(model, ids);
    }

    /// <summary>Token ids as strings, in order.</summary>
    /// <param name="model">The model (its tokenizer is used).</param>
    /// <param name="ids">Token ids.</param>
    /// <exception cref="InputException">The model has no tokenizer, or an id is outside the vocabulary.</exception>
    public static IReadOnlyList<string> ToStrTokens(this HookedTransformer model, IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokenizer = RequireTokenizer(model);
        int vocab = model.Config.DVocab;
        var strings = new List<string>();
        foreach (int id in ids)
        {
            if (id < 0 || id >= vocab)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token id {id} is outside the vocabulary of {model.Name} (0..{vocab - 1})"
                    )
                );
            strings.Add(tokenizer.TokenToString(id));
        }
        return strings;
    }

    /// <summary>Token ids as strings, in order (an array would otherwise be ambiguous between the sequence and the
    /// tensor overloads, since TorchSharp converts arrays to tensors implicitly).</summary>
    /// <param name="model">The model (its tokenizer is used).</param>
    /// <param name="ids">Token ids.</param>
    /// <exception cref="InputException">The model has no tokenizer, or an id is outside the vocabulary.</exception>
    public static IReadOnlyList<string> ToStrTokens(this HookedTransformer model, int[] ids) =>
        ToStrTokens(model, (IEnumerable<int>)ids);

    /// <summary>Token ids held in a tensor as strings, in order.</summary>
    /// <param name="model">The model (its tokenizer is used).</param>
    /// <param name="ids">Integer token ids. // [pos] or [1, pos]</param>
    /// <exception cref="InputException">The tensor is not [pos] or [1, pos] of integers, the model has no tokenizer,
    /// or an id is outside the vocabulary.</exception>
    public static IReadOnlyList<string> ToStrTokens(this HookedTransformer model, Tensor ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        bool integral =
            ids.dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte;
        if (!integral || ids.dim() is not (1 or 2) || (ids.dim() == 2 && ids.shape[0] != 1))
            throw new InputException(
                $"ToStrTokens takes integer ids shaped [pos] or [1, pos]; got {ids.dtype} [{string.Join(", ", ids.shape)}] (index one row of a batch first)"
            );
        using var scope = NewDisposeScope();
        var flat = ids.flatten().to(ScalarType.Int64, CPU).data<long>().ToArray();
        foreach (long v in flat)
            if (v < 0 || v >= model.Config.DVocab)
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token id {v} is outside the vocabulary of {model.Name} (0..{model.Config.DVocab - 1})"
                    )
                );
        return ToStrTokens(model, flat.Select(v => (int)v));
    }

    private static ITokenizer RequireTokenizer(HookedTransformer model) =>
        model.Tokenizer
        ?? throw new InputException($"{model.Name} was loaded without a tokenizer, so it has no token strings");
}
