using System.Diagnostics;
using System.Globalization;
using Glassbox.Loading;
using Glassbox.Reports;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Glassbox.Cli.Commands;

/// <summary><c>glassbox doctor</c>: is the runtime healthy?</summary>
public sealed class DoctorCommand : Command<OutputSettings>
{
    public override int Execute(CommandContext context, OutputSettings settings, CancellationToken cancellationToken)
    {
        GlassboxRuntime.Initialize(settings.Threads);
        var (needed, applied, shim) = GlassboxRuntime.GlibcxxCompatibility();
        string modelStatus;
        bool ok = true;
        var sw = Stopwatch.StartNew();
        try
        {
            using var m = ModelLoader.Load("minilm", null);
            modelStatus = string.Create(
                CultureInfo.InvariantCulture,
                $"ok: {m.Name}, {m.ParameterCount:N0} parameters, loaded in {sw.Elapsed.TotalSeconds:F1} s"
            );
        }
        catch (Exception e) when (e is GlassboxException or IOException)
        {
            modelStatus = "FAILED: " + e.Message;
            ok = false;
        }
        if (needed == true && applied != true)
            ok = false;
        var facts = new Dictionary<string, string>
        {
            ["glassbox"] = GlassboxRuntime.Version,
            ["dotnet"] = Environment.Version.ToString(),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["torchsharp"] = GlassboxRuntime.TorchSharpVersion,
            ["libtorch"] = GlassboxRuntime.LibTorchVersion,
            ["threads"] = torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
            ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["omp_wait_policy"] = GlassboxRuntime.OpenMpWaitPolicy ?? "libgomp default (could not be set)",
            ["mkl_on_amd_avx512"] = MklOnAmd.Status,
            ["native_heap_tuned"] = NativeHeap.Tuned.ToString(),
            ["managed_encoder"] = MklGemm.Available
                ? "available (libtorch's MKL SGEMM bound)"
                : "not available (libtorch carries no MKL SGEMM; encoders run through libtorch)",
            ["cuda"] = torch.cuda.is_available() ? "available" : "not available",
            ["glibcxx_3.4.32_patch_needed"] = needed?.ToString() ?? "n/a (not Linux)",
            ["glibcxx_3.4.32_patch_applied"] = applied?.ToString() ?? "n/a",
            ["glibcxx_3.4.32_patch_mechanism"] = GlassboxRuntime.GlibcxxMechanism,
            ["native_shim"] = shim ?? "n/a",
            ["default_model"] = modelStatus,
            ["status"] = ok ? "ok" : "problems found",
        };
        if (settings.Json)
            CliJson.Write("doctor", null, facts);
        else
        {
            var t = Show.Table("check", "result");
            foreach (var (k, v) in facts)
                t.Row(k, v);
            Show.Write(t);
        }
        return ok ? 0 : 1;
    }
}
