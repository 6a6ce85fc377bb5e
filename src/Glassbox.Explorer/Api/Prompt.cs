using System.Globalization;
using Glassbox.Models;
using Glassbox.Tokenization;

namespace Glassbox.Explorer.Api;

/// <summary>A prompt typed on a page, as token ids, with the checks every text endpoint shares.</summary>
public static class Prompt
{
    /// <summary>The most characters a prompt may have.</summary>
    public const int MaxChars = 20_000;

    /// <summary>Token ids of <paramref name="text"/> (with the tokenizer's special tokens, e.g. BOS), or an
    /// <see cref="InputException"/> naming the problem.</summary>
    public static IReadOnlyList<int> Ids(HookedTransformer model, string? text)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrEmpty(text))
            throw new InputException("text: type a prompt");
        if (text.Length > MaxChars)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"text: at most {MaxChars} characters, got {text.Length}")
            );
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer, so it cannot read typed text");
        var ids = model.Tokenizer.Encode(text, true).Ids;
        if (ids.Count == 0)
            throw new InputException("text: the prompt has no tokens");
        if (ids.Count > model.Config.NCtx)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"text: {ids.Count} tokens is longer than the model's context of {model.Config.NCtx}"
                )
            );
        return ids;
    }

    /// <summary>One token for the pages: id, raw text and visible label.</summary>
    /// <param name="Id">Token id.</param>
    /// <param name="Text">Raw token text.</param>
    /// <param name="Label">Visible label (leading space as ·, newline as ⏎).</param>
    public sealed record Token(int Id, string Text, string Label);

    /// <summary>The tokens of <paramref name="ids"/>.</summary>
    public static IReadOnlyList<Token> Tokens(HookedTransformer model, IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ids);
        return ids.Select(i => Of(model, i)).ToList();
    }

    /// <summary>One token.</summary>
    public static Token Of(HookedTransformer model, int id)
    {
        ArgumentNullException.ThrowIfNull(model);
        string text = model.Tokenizer?.TokenToString(id) ?? id.ToString(CultureInfo.InvariantCulture);
        return new Token(id, text, TokenDisplay.Label(text));
    }
}
