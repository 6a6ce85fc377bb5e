using Glassbox.Attribution;
using Glassbox.Hooks;

namespace Glassbox.Tests.Attribution;

public sealed class AttributionInputTests
{
    [Theory]
    [InlineData(0, IntegrationRule.GaussLegendre)]
    [InlineData(-3, IntegrationRule.RiemannLeft)]
    [InlineData(1, IntegrationRule.RiemannTrapezoid)]
    public void Should_reject_too_few_steps(int steps, IntegrationRule rule)
    {
        var e = Assert.Throws<InputException>(() => IntegrationRules.Points(rule, steps));
        Assert.Contains("--steps", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_reject_a_label_that_is_not_in_the_model()
    {
        using var c = TinyClassifiers.Create();
        var e = Assert.Throws<InputException>(() => AttributionTarget.ClassLogit(c, "neutral"));
        Assert.Contains("neutral", e.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => AttributionTarget.ClassLogit(c, 2));
    }

    [Fact]
    public void Should_reject_an_empty_sequence_and_a_token_outside_the_vocabulary()
    {
        using var model = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => AttributionTarget.LmLogit(model, 50));
        var target = AttributionTarget.LmLogit(model, 1);
        Assert.Throws<InputException>(() => IntegratedGradients.Attribute(target, Array.Empty<int>()));
    }

    [Fact]
    public void Should_reject_a_head_indexed_hook_for_layer_attributions()
    {
        using var model = TinyModels.Create("gpt2");
        var target = AttributionTarget.LmLogit(model, 1);
        Assert.Throws<InputException>(() =>
            IntegratedGradients.GradientTimesInput(target, [1, 2, 3], HookPoints.AttnPattern.Name(0))
        );
    }

    [Fact]
    public void Should_reject_a_mask_baseline_when_the_tokenizer_has_no_mask_token()
    {
        using var model = TinyModels.Create("gpt2");
        Assert.Throws<InputException>(() => Baselines.TokenId(model, BaselineKind.Mask));
        Assert.Throws<InputException>(() => Baselines.Parse("random"));
        Assert.Throws<InputException>(() => IntegrationRules.Parse("simpson"));
    }
}
