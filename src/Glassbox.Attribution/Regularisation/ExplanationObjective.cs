using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Glassbox.Classification;
using Glassbox.Hooks;
using Glassbox.Models;
using Glassbox.Tensors;
using static TorchSharp.torch;

namespace Glassbox.Attribution.Regularisation;

/// <summary>Which explanation the regulariser aligns with the feedback.</summary>
public enum ErMethod
{
    /// <summary>|gradient × input| at the token embeddings for the gold class's log-probability; the loss is
    /// differentiated through the gradient (double backward).</summary>
    GradientTimesInput,

    /// <summary>The L2 norm of the gradient of the gold class's log-probability at each token embedding (saliency;
    /// the "right for the right reasons" penalty of Ross et al. 2017 acts on it). Unlike gradient × input it cannot
    /// be zeroed by making the gradient orthogonal to the embedding.</summary>
    Saliency,

    /// <summary>|integrated gradients| at the token embeddings from a zero baseline with a few right-Riemann steps
    /// (<see cref="ErOptions.IgSteps"/>; the last step is the input itself), trained through the gradients.</summary>
    IntegratedGradients,

    /// <summary>Occlusion (ERASER's comprehensiveness and sufficiency as losses): deleting the should-not-matter words
    /// must not change the gold probability, |p(x) − p(x ∖ bad)|, and the should-matter words alone (with [CLS] and
    /// [SEP]) must keep it, max(0, p(x) − p(good)). Two extra forwards, no double backward; it also covers reliance
    /// on a word's mere presence (positions shift), which gradients at the word's embedding cannot see.</summary>
    Occlusion,

    /// <summary>The last layer's attention to each token, averaged over heads and real query positions.</summary>
    Attention,
}

/// <summary>Options of explanation regularisation.</summary>
public sealed record ErOptions
{
    /// <summary>The explanation aligned with the feedback.</summary>
    public ErMethod Method { get; init; } = ErMethod.GradientTimesInput;

    /// <summary>λ: the weight of the explanation loss added to cross-entropy.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Steps of <see cref="ErMethod.IntegratedGradients"/> (each one more forward and double backward).</summary>
    public int IgSteps { get; init; } = 4;

    /// <summary>The method's CLI name.</summary>
    public string MethodName => Name(Method);

    /// <summary>The CLI name of a method.</summary>
    public static string Name(ErMethod m) =>
        m switch
        {
            ErMethod.Attention => "attention",
            ErMethod.Saliency => "saliency",
            ErMethod.Occlusion => "occlusion",
            ErMethod.IntegratedGradients => "ig",
            _ => "gradxinput",
        };

    /// <summary>Parses a CLI method name.</summary>
    /// <exception cref="InputException">Not gradxinput or attention.</exception>
    public static ErMethod ParseMethod(string name, string option = "--er-method") =>
        name switch
        {
            "gradxinput" => ErMethod.GradientTimesInput,
            "attention" => ErMethod.Attention,
            "saliency" => ErMethod.Saliency,
            "occlusion" => ErMethod.Occlusion,
            _ => throw new InputException(
                $"{option} must be gradxinput, saliency, occlusion or attention, got '{name}'"
            ),
        };

    /// <summary>Checks the fields.</summary>
    /// <exception cref="InputException">A negative or non-finite weight.</exception>
    public ErOptions Validate()
    {
        if (!(Weight >= 0) || !double.IsFinite(Weight))
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--er-weight must be 0 or more, got {Weight}")
            );
        if (IgSteps is < 1 or > 64)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"--er-steps must be in 1..64, got {IgSteps}")
            );
        return this;
    }
}

/// <summary>
/// Explanation regularisation (Ross et al. 2017; Joshi et al. 2022's ER-TEST setting; Lee et al. 2022's XMD): cross-
/// entropy plus λ times an explanation loss. Token scores are the method's attributions normalised to a distribution
/// over the text's word tokens, s_t = |a_t| / Σ|a|; the loss of a text is Σ_{t should not matter} s_t plus, when some
/// token should matter, 1 − Σ_{t should matter} s_t (for a rationale: the attribution mass outside it). It is averaged
/// over the batch's texts that carry feedback.
/// </summary>
public sealed class ExplanationObjective : ClassifierObjective
{
    private readonly IReadOnlyList<WordFeedback> _feedback;
    private readonly ErOptions _options;
    private readonly Dictionary<int, TokenFeedback> _aligned = new();
    private readonly string _hash;

    /// <summary>Creates the objective for a training set whose row i has <paramref name="feedback"/>[i].</summary>
    /// <exception cref="InputException">Bad options, or feedback that does not match the rows.</exception>
    public ExplanationObjective(LabeledTextSet data, IReadOnlyList<WordFeedback> feedback, ErOptions options)
    {
        _options = options.Validate();
        if (feedback.Count != data.Rows.Count)
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{data.Description}: {feedback.Count} feedback rows for {data.Rows.Count} texts"
                )
            );
        var sb = new StringBuilder();
        for (int i = 0; i < feedback.Count; i++)
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"{data.Description} row {i + 1}");
            var f = feedback[i].Validate(where);
            if (!string.Equals(string.Join(' ', f.Words), data.Rows[i].Text, StringComparison.Ordinal))
                throw new InputException($"{where}: the feedback's words are not the text's");
            foreach (var (g, b) in f.ShouldMatter.Zip(f.ShouldNotMatter))
                sb.Append(
                    g ? 'g'
                    : b ? 'b'
                    : '.'
                );
            sb.Append('|');
        }
        _feedback = feedback;
        _hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }

    /// <inheritdoc />
    public override string Describe() =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"er {_options.MethodName}{(_options.Method == ErMethod.IntegratedGradients ? $" steps {_options.IgSteps}" : "")} weight {_options.Weight:R} feedback {_hash}"
        );

    /// <inheritdoc />
    public override Tensor Loss(
        SequenceClassifier classifier,
        LabeledTextSet data,
        IReadOnlyList<int> rows,
        ClassifierTrainOptions options,
        Generator dropout
    )
    {
        var tok = classifier.Encoder.Tokenizer
            ?? throw new InputException(
                $"{classifier.Encoder.Name} has no tokenizer; explanation regularisation needs one"
            );
        var aligned = rows.Select(i =>
            {
                if (!_aligned.TryGetValue(i, out var a))
                    _aligned[i] = a = TokenFeedback.Align(tok, _feedback[i], options.MaxLength);
                return a;
            })
            .ToList();
        var gold = rows.Select(i => data.Rows[i].Label).ToArray();
        if (_options.Method == ErMethod.Occlusion)
            return OcclusionLoss.Loss(classifier, aligned, gold, _options.Weight, dropout);
        var (logits, scores) = TokenScores.Compute(
            classifier,
            aligned,
            gold,
            _options.Method,
            dropout,
            createGraph: true,
            _options.IgSteps
        );
        var target = tensor(gold.Select(g => (long)g).ToArray(), device: logits.device);
        var ce = nn.functional.cross_entropy(logits, target);
        if (_options.Weight == 0)
            return ce;
        var er = TokenScores.FeedbackLoss(scores, aligned); // [batch]
        var has = tensor(aligned.Select(a => a.Any ? 1f : 0f).ToArray(), device: logits.device); // [batch]
        var count = has.sum().ClampMin(1.0);
        return ce.Plus(er.mul(has).sum().div(count).MulScalar(_options.Weight));
    }
}
