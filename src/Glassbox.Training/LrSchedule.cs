namespace Glassbox.Training;

/// <summary>Linear warm-up from 0 to the peak rate, then cosine decay to <c>minFraction</c> × peak at the last step.</summary>
/// <param name="Peak">Peak learning rate.</param>
/// <param name="WarmupSteps">Warm-up steps: step s &lt; W gets Peak × (s + 1) / W.</param>
/// <param name="TotalSteps">Total steps (the last step index is TotalSteps - 1).</param>
/// <param name="MinFraction">Final rate as a fraction of the peak.</param>
public sealed record LrSchedule(double Peak, int WarmupSteps, int TotalSteps, double MinFraction)
{
    /// <summary>The rate used by 0-based step <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
            return Peak * (step + 1) / WarmupSteps;
        int decay = TotalSteps - WarmupSteps;
        if (decay <= 1)
            return Peak;
        double progress = Math.Clamp((double)(step - WarmupSteps) / (decay - 1), 0, 1);
        double min = Peak * MinFraction;
        return min + (Peak - min) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
