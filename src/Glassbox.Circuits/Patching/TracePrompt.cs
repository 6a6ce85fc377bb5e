using System.Globalization;
using Glassbox.Models;

namespace Glassbox.Circuits.Patching;

/// <summary>A causal-tracing prompt: tokens, the subject token range to corrupt, and the answer token.</summary>
/// <param name="Text">The prompt text (for labels).</param>
/// <param name="Ids">Token ids, specials included.</param>
/// <param name="SubjectStart">First subject token.</param>
/// <param name="SubjectEnd">One past the last subject token.</param>
/// <param name="Answer">Answer token id whose probability is traced.</param>
public sealed record TracePrompt(string Text, IReadOnlyList<int> Ids, int SubjectStart, int SubjectEnd, int Answer)
{
    /// <summary>Builds a prompt, finding the subject as the first occurrence of <paramref name="subject"/> in the
    /// text (the tokens whose character spans overlap it). The answer is the first token of <paramref name="answer"/>
    /// as a continuation (<see cref="AnswerToken"/>) or, when null, the model's greedy next token.</summary>
    /// <exception cref="InputException">No tokenizer, the subject is not in the text, or the answer is empty.</exception>
    public static TracePrompt Create(HookedTransformer model, string text, string subject, string? answer = null)
    {
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer; use TracePrompt.FromIds");
        int at = text.IndexOf(subject, StringComparison.Ordinal);
        if (subject.Length == 0 || at < 0)
            throw new InputException($"subject '{subject}' does not occur in the prompt '{text}'");
        var enc = model.Tokenizer.Encode(text);
        int s = -1,
            e = -1;
        for (int i = 0; i < enc.Count; i++)
        {
            var (st, len) = enc.Offsets[i];
            if (len == 0 || st + len <= at || st >= at + subject.Length)
                continue;
            if (s < 0)
                s = i;
            e = i + 1;
        }
        if (s < 0)
            throw new InputException($"subject '{subject}' covers no token of '{text}'");
        int ans = answer is null ? Greedy(model, enc.Ids) : AnswerToken(model, text, answer);
        return new TracePrompt(text, enc.Ids, s, e, ans);
    }

    /// <summary>A prompt from token ids and an explicit subject range.</summary>
    /// <exception cref="InputException">The range is empty or outside the prompt.</exception>
    public static TracePrompt FromIds(
        IReadOnlyList<int> ids,
        int subjectStart,
        int subjectEnd,
        int answer,
        string? text = null
    )
    {
        if (subjectStart < 0 || subjectEnd > ids.Count || subjectStart >= subjectEnd)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"subject token range {subjectStart}..{subjectEnd} is empty or outside 0..{ids.Count}"
                )
            );
        return new TracePrompt(text ?? string.Join(" ", ids), ids, subjectStart, subjectEnd, answer);
    }

    /// <summary>The token the model would read next if <paramref name="prompt"/> were continued by
    /// <paramref name="answer"/> (a space is put between them unless the answer starts with one or with punctuation):
    /// the first token where the encodings of prompt and prompt + answer differ. <c>#317</c> names token id 317.</summary>
    /// <exception cref="InputException">No tokenizer, a bad <c>#id</c>, or the answer adds no token.</exception>
    public static int AnswerToken(HookedTransformer model, string prompt, string answer)
    {
        if (answer.StartsWith('#') && answer.Length > 1)
        {
            if (
                !int.TryParse(answer.AsSpan(1), CultureInfo.InvariantCulture, out int id)
                || id < 0
                || id >= model.Config.DVocab
            )
                throw new InputException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"token '{answer}' is not a token id in 0..{model.Config.DVocab - 1}"
                    )
                );
            return id;
        }
        if (model.Tokenizer is null)
            throw new InputException($"{model.Name} has no tokenizer; give answers as #id");
        if (answer.Length == 0)
            throw new InputException("the answer token is empty");
        string cont = char.IsLetterOrDigit(answer[0]) ? " " + answer : answer;
        var a = model.Tokenizer.Encode(prompt).Ids;
        var b = model.Tokenizer.Encode(prompt + cont).Ids;
        int i = 0;
        while (i < a.Count && i < b.Count && a[i] == b[i])
            i++;
        if (i >= b.Count)
            throw new InputException($"answer '{answer}' adds no token to the prompt");
        return b[i];
    }

    /// <summary>The model's greedy next token after <paramref name="ids"/>.</summary>
    public static int Greedy(HookedTransformer model, IReadOnlyList<int> ids)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var batch = TokenBatch.Single(ids, model.Device);
        return (int)model.Forward(batch)[0, -1].argmax().item<long>();
    }
}
