using System.Globalization;
using Glassbox.Attribution;
using Glassbox.Classification;
using Glassbox.Tokenization;

namespace Glassbox.Explorer.Api;

/// <summary>What the XMD page shows of one text on one classifier: class probabilities, the prediction and the
/// integrated-gradients attribution of a class logit to every token, also summed per whitespace word (feedback is
/// given on words).</summary>
public static class XmdViews
{
    /// <summary>The most tokens a text is cut to (as the attribution command does for classifiers).</summary>
    public const int MaxTokens = 128;

    /// <summary>A word of the text and the attribution of its tokens.</summary>
    /// <param name="Word">The word (texts are split at whitespace).</param>
    /// <param name="Tokens">Indices of its tokens in <see cref="TextView.Tokens"/> (empty when cut off).</param>
    /// <param name="Attribution">Sum of its tokens' attributions.</param>
    public sealed record WordView(string Word, IReadOnlyList<int> Tokens, double Attribution);

    /// <summary>One text on one classifier.</summary>
    /// <param name="Text">The text, single-spaced.</param>
    /// <param name="Model">"served" or "updated".</param>
    /// <param name="Probabilities">Class probabilities, in label order.</param>
    /// <param name="Predicted">The most probable class.</param>
    /// <param name="Explained">The class whose logit is attributed.</param>
    /// <param name="Tokens">Tokens, special tokens included.</param>
    /// <param name="Scores">Attribution of each token to the explained logit.</param>
    /// <param name="Words">The words with their tokens' summed attribution.</param>
    /// <param name="Output">The explained logit on the text.</param>
    /// <param name="BaselineOutput">The explained logit on the baseline.</param>
    /// <param name="CompletenessError">|Σ scores − (output − baseline output)|.</param>
    public sealed record TextView(
        string Text,
        string Model,
        IReadOnlyList<double> Probabilities,
        string Predicted,
        string Explained,
        IReadOnlyList<Prompt.Token> Tokens,
        IReadOnlyList<double> Scores,
        IReadOnlyList<WordView> Words,
        double Output,
        double BaselineOutput,
        double CompletenessError
    );

    /// <summary>A text before and after an update.</summary>
    /// <param name="Text">The text.</param>
    /// <param name="Label">The class it should get (its logit is attributed in both views).</param>
    /// <param name="Before">On the served classifier.</param>
    /// <param name="After">On the updated copy.</param>
    public sealed record Comparison(string Text, string Label, TextView Before, TextView After);

    /// <summary>The words of <paramref name="text"/> (split at whitespace), or an error naming <paramref name="field"/>.</summary>
    public static string[] Words(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new InputException($"{field}: type a text");
        if (text.Length > Prompt.MaxChars)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{field}: at most {Prompt.MaxChars} characters, got {text.Length}"
                )
            );
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Views <paramref name="text"/> on <paramref name="c"/>, attributing the logit of class
    /// <paramref name="explained"/> (null: the predicted class) with <paramref name="steps"/> integrated-gradients
    /// steps. Run it inside the model gate.</summary>
    public static TextView View(SequenceClassifier c, string text, int? explained, int steps, string model)
    {
        ArgumentNullException.ThrowIfNull(c);
        var tokenizer = c.Encoder.Tokenizer ?? throw new InputException($"{c.Encoder.Name} has no tokenizer");
        var words = Words(text, "text");
        var aligned = WordAlignment.Align(tokenizer, words, Math.Min(MaxTokens, c.Encoder.Config.NCtx));
        string joined = string.Join(' ', words);
        var p = c.Probabilities([joined], MaxTokens)[0];
        int predicted = Array.IndexOf(p, p.Max());
        int cls = explained ?? predicted;
        var options = new AttributionOptions
        {
            Steps = steps,
            Baseline = (tokenizer.PadId ?? c.Encoder.Config.PadTokenId) is null ? BaselineKind.Mean : BaselineKind.Pad,
        };
        var a = IntegratedGradients.Attribute(AttributionTarget.ClassLogit(c, cls), aligned.Ids, options);
        var wordViews = words
            .Select((w, i) => new WordView(w, aligned.WordTokens[i], aligned.WordTokens[i].Sum(t => a.Scores[t])))
            .ToList();
        return new TextView(
            joined,
            model,
            p.Select(x => (double)x).ToList(),
            c.Labels[predicted],
            c.Labels[cls],
            Prompt.Tokens(c.Encoder, aligned.Ids),
            a.Scores,
            wordViews,
            a.Output,
            a.BaselineOutput,
            a.CompletenessError
        );
    }
}
