using System.Globalization;
using System.Numerics;
using System.Reflection;
using Spectre.Console.Cli;

namespace Glassbox.Cli;

/// <summary>Strict parsing with plain messages, before Spectre sees the arguments: an unknown option gets a "did you
/// mean" from the command's own options, a stray argument is named, and typed values are checked
/// ("--threads: 'abc' is not a whole number", "--lr: 'x' is not a number", "--method: 'y' is not one of zero, mean").
/// Every failure is an <see cref="InputException"/> (exit code 2, one line).</summary>
internal static class ArgumentCheck
{
    private static readonly HashSet<string> HelpFlags = new(StringComparer.Ordinal)
    {
        "-h",
        "--help",
        "-?",
        "--version",
        "-v",
    };

    /// <summary>One option of a settings class.</summary>
    internal sealed record OptionInfo(PropertyInfo Property, IReadOnlyList<string> Names, bool IsFlag, string Display);

    /// <summary>The options (long and short names) of a settings class, inherited ones included.</summary>
    internal static IReadOnlyList<OptionInfo> Options(Type settings) =>
        settings
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p, a: p.GetCustomAttribute<CommandOptionAttribute>()))
            .Where(x => x.a is not null)
            .Select(x => new OptionInfo(
                x.p,
                x.a!.LongNames.Select(n => "--" + n).Concat(x.a.ShortNames.Select(n => "-" + n)).ToList(),
                Nullable.GetUnderlyingType(x.p.PropertyType) is { } u
                    ? u == typeof(bool)
                    : x.p.PropertyType == typeof(bool),
                "--" + (x.a.LongNames.FirstOrDefault() ?? x.a.ShortNames.First())
            ))
            .ToList();

    /// <summary>Throws <see cref="InputException"/> for the first bad argument; leaves unknown commands and help to Spectre.</summary>
    public static void Validate(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args.Any(HelpFlags.Contains))
            return;
        CliCommand? cmd = null;
        int i = 0;
        for (int n = Math.Min(2, args.Count); n >= 1 && cmd is null; n--)
        {
            string path = string.Join(' ', args.Take(n));
            cmd = GlassboxCli.Commands.FirstOrDefault(c => c.Path == path);
            if (cmd is not null)
                i = n;
        }
        if (cmd is null)
        {
            UnknownCommand(args);
            return;
        }
        var options = Options(cmd.SettingsType);
        var byName = options
            .SelectMany(o => o.Names.Select(n => (n, o)))
            .ToDictionary(x => x.n, x => x.o, StringComparer.Ordinal);
        int positional = cmd
            .SettingsType.GetProperties()
            .Count(p => p.GetCustomAttribute<CommandArgumentAttribute>() is not null);
        string where = "glassbox " + cmd.Path;
        for (; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
                break;
            if (a.Length > 1 && a[0] == '-' && !char.IsDigit(a[1]) && a[1] != '.')
            {
                int eq = a.IndexOf('=', StringComparison.Ordinal);
                string name = eq > 0 ? a[..eq] : a;
                if (!byName.TryGetValue(name, out var o))
                {
                    string? near = EditDistance.Nearest(
                        name,
                        byName.Keys.Where(k => k.StartsWith("--", StringComparison.Ordinal))
                    );
                    throw new InputException(
                        $"unknown option '{name}' for '{where}'"
                            + (near is null ? $"; see '{where} --help'" : $"; did you mean '{near}'?")
                    );
                }
                if (o.IsFlag)
                {
                    if (eq > 0)
                        CheckValue(o, a[(eq + 1)..]);
                    continue;
                }
                string value;
                if (eq > 0)
                    value = a[(eq + 1)..];
                else if (i + 1 < args.Count)
                    value = args[++i];
                else
                    throw new InputException($"{o.Display} needs a value");
                CheckValue(o, value);
                continue;
            }
            if (positional-- > 0)
                continue;
            throw new InputException(
                $"unexpected argument '{a}' for '{where}' (options start with --; see '{where} --help')"
            );
        }
    }

    // "glassbox rn" / "glassbox probe pso": name the command and suggest the nearest; options before the command and
    // anything else are left to Spectre (strict parsing, exit code 2).
    private static void UnknownCommand(IReadOnlyList<string> args)
    {
        string first = args[0];
        if (first.StartsWith('-'))
            return;
        if (GlassboxCli.Branches.ContainsKey(first))
        {
            if (args.Count < 2 || args[1].StartsWith('-'))
                return;
            var leaves = GlassboxCli
                .Commands.Where(c => c.Path.StartsWith(first + " ", StringComparison.Ordinal))
                .Select(c => c.Path[(first.Length + 1)..]);
            string? nearLeaf = EditDistance.Nearest(args[1], leaves);
            throw new InputException(
                $"unknown command '{first} {args[1]}'"
                    + (nearLeaf is null ? $"; see 'glassbox {first} --help'" : $"; did you mean '{first} {nearLeaf}'?")
            );
        }
        var names = GlassboxCli.Commands.Select(c => c.Path.Split(' ')[0]).Distinct(StringComparer.Ordinal);
        string? near = EditDistance.Nearest(first, names);
        throw new InputException(
            $"unknown command '{first}'" + (near is null ? "; see 'glassbox --help'" : $"; did you mean '{near}'?")
        );
    }

    /// <summary>One whole number from a comma-separated option value ("3,7,11"): "not a whole number" for text,
    /// "out of range" for a number past <see cref="int.MaxValue"/> (e.g. 2^40), never a silent wrap.</summary>
    /// <exception cref="InputException">Not a whole number, or out of range; the message names <paramref name="option"/>.</exception>
    public static int Int(string part, string option)
    {
        if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            return v;
        if (BigInteger.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            throw new InputException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{option}: '{part}' is out of range ({int.MinValue}..{int.MaxValue})"
                )
            );
        throw new InputException($"{option}: '{part}' is not a whole number");
    }

    /// <summary>Checks that <paramref name="value"/> converts to the option's type; the message names the option.</summary>
    internal static void CheckValue(OptionInfo o, string value)
    {
        var t = Nullable.GetUnderlyingType(o.Property.PropertyType) ?? o.Property.PropertyType;
        var inv = CultureInfo.InvariantCulture;
        if (
            t == typeof(int)
            || t == typeof(long)
            || t == typeof(short)
            || t == typeof(byte)
            || t == typeof(uint)
            || t == typeof(ulong)
        )
        {
            if (BigInteger.TryParse(value, NumberStyles.Integer, inv, out var big))
            {
                var (min, max) =
                    t == typeof(int) ? (int.MinValue, (BigInteger)int.MaxValue)
                    : t == typeof(long) ? (long.MinValue, (BigInteger)long.MaxValue)
                    : t == typeof(short) ? (short.MinValue, (BigInteger)short.MaxValue)
                    : t == typeof(byte) ? (byte.MinValue, (BigInteger)byte.MaxValue)
                    : t == typeof(uint) ? (uint.MinValue, (BigInteger)uint.MaxValue)
                    : ((BigInteger)ulong.MinValue, (BigInteger)ulong.MaxValue);
                if (big < min || big > max)
                    throw new InputException(
                        string.Create(inv, $"{o.Display}: '{value}' is out of range ({min}..{max})")
                    );
                return;
            }
            throw new InputException($"{o.Display}: '{value}' is not a whole number");
        }
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            if (
                !double.TryParse(value, NumberStyles.Float, inv, out double d)
                || double.IsNaN(d)
                || double.IsInfinity(d)
            )
                throw new InputException($"{o.Display}: '{value}' is not a number");
            return;
        }
        if (t == typeof(bool))
        {
            if (!bool.TryParse(value, out _))
                throw new InputException($"{o.Display}: '{value}' is not true or false");
            return;
        }
        if (
            t.IsEnum
            && (
                !Enum.TryParse(t, value, ignoreCase: true, out _)
                || value.Length == 0
                || char.IsDigit(value[0])
                || value[0] == '-'
            )
        )
            throw new InputException(
                $"{o.Display}: '{value}' is not one of {string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()))}"
            );
    }
}
