using Glassbox;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Glassbox.Cli;

/// <summary>Maps failures to exit codes: 2 for bad input (one line naming the file, field or argument), 1 for bugs.</summary>
internal static class CliErrors
{
    public const int BadInput = 2;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
            when (e
                    is GlassboxException
                        or CommandParseException
                        or CommandRuntimeException
                        or FileNotFoundException
                        or DirectoryNotFoundException
            )
        {
            Console.Error.WriteLine("error: " + OneLine(e.Message));
            return BadInput;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error ({e.GetType().Name}): {OneLine(e.Message)}");
            Console.Error.WriteLine(e.StackTrace);
            return 1;
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
