using System.Globalization;

namespace Glassbox.Explorer.Api;

/// <summary>Checks of request fields, with errors that name the field (not a command-line option).</summary>
public static class Fields
{
    /// <summary>Throws unless <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>.</summary>
    public static void Range(string field, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"{field} must be in {min}..{max}, got {value}")
            );
    }

    /// <summary>Runs <paramref name="make"/>; a library error becomes one line starting with
    /// <paramref name="field"/> (a leading "--option:" of the message is dropped).</summary>
    public static T Named<T>(string field, Func<T> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        try
        {
            return make();
        }
        catch (InputException e)
        {
            string m = e.Message.Split('\n')[0];
            int colon = m.IndexOf(": ", StringComparison.Ordinal);
            if (m.StartsWith("--", StringComparison.Ordinal) && colon > 0)
                m = m[(colon + 2)..];
            throw new InputException(field + ": " + m);
        }
    }
}
