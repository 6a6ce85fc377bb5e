using System.Globalization;
using System.Security.Cryptography;
using Glassbox.Loading;
using Glassbox.Models;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

/// <summary>Memory-mapped safetensors loading (issue 14 item 9): the weights are the file's pages, give the same
/// results as read copies, keep in-place edits private, and fall back to reading where a map cannot serve.</summary>
public class MappedWeightsTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    [InlineData("bert")]
    [InlineData("gpt_neox")]
    public void Should_map_weights_and_give_the_read_copies_results(string type)
    {
        if (!OperatingSystem.IsLinux())
            return; // the check reads /proc/self/maps
        using var dir = Export(type, ScalarType.Float32);
        using var mapped = ModelLoader.Load(dir.Path, mapWeights: true);
        using var read = ModelLoader.Load(dir.Path, mapWeights: false);
        string file = dir.File("model.safetensors");
        // Weights stored as the model keeps them (the embedding in every family) are the file's pages; a read copy is not.
        Assert.True(InMappingOf(mapped.Weights["embed.W_E"], file), "embed.W_E is not in a mapping of the file");
        Assert.False(InMappingOf(read.Weights["embed.W_E"], file));
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 5, 9, 2, 7 }, new[] { 3, 4 } }, padId: 0);
        using var a = mapped.Forward(batch);
        using var b = read.Forward(batch);
        TensorAssert.Same(b, a, "mapped against read logits");
    }

    [Fact]
    public void Should_keep_in_place_edits_out_of_the_file()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var dir = Export("llama", ScalarType.Float32);
        string file = dir.File("model.safetensors");
        string before = Sha(file);
        using (var model = ModelLoader.Load(dir.Path, mapWeights: true))
        {
            var w = model.Weights["blocks.0.mlp.W_in"];
            Assert.True(InMappingOf(w, file));
            using (no_grad())
                ScalarMath.AddScalarInPlace(w, 1.0);
            Assert.Equal(before, Sha(file));
            using var again = ModelLoader.Load(dir.Path, mapWeights: true);
            using var diff = (w - again.Weights["blocks.0.mlp.W_in"]).abs().max();
            Assert.Equal(1f, diff.item<float>(), 4);
        }
        Assert.Equal(before, Sha(file));
    }

    [Fact]
    public void Should_read_instead_of_map_when_the_dtype_is_converted()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var dir = Export("llama", ScalarType.Float32);
        string file = dir.File("model.safetensors");
        using var half = ModelLoader.Load(dir.Path, dtype: ScalarType.BFloat16, mapWeights: true);
        Assert.False(InMappingOf(half.Weights["embed.W_E"], file));
        using var stored = ModelLoader.Load(dir.Path, mapWeights: true);
        using var expected = stored.Weights["embed.W_E"].to_type(ScalarType.BFloat16);
        TensorAssert.Same(expected, half.Weights["embed.W_E"], "converted copy");
    }

    [Fact]
    public void Should_read_unaligned_tensor_data_instead_of_mapping_it()
    {
        using var dir = new TempDir();
        // 8 + header length + begin = 8 + 61 + 0 is odd: float32 data that starts off a 4-byte (and 64-byte) boundary.
        var values = new[] { 1.5f, -2f, 3.25f };
        string path = OneTensor(dir, "odd.safetensors", values, 61);
        using var f = SafetensorsFile.Open(path);
        Assert.Null(f.MapTensor("x"));
        using var t = f.ReadTensor("x", null, map: true);
        Assert.Equal(values, t.data<float>().ToArray());
    }

    [Fact]
    public void Should_read_instead_of_map_when_the_file_cannot_be_mapped()
    {
        if (!OperatingSystem.IsLinux())
            return; // an open file can be deleted there and still read through its handle
        using var dir = new TempDir();
        var values = new[] { 1.5f, -2f, 3.25f, 4f };
        string path = OneTensor(dir, "gone.safetensors", values, 56); // data at byte 64: aligned, so mappable
        using (var mappable = SafetensorsFile.Open(path))
        using (var m = mappable.MapTensor("x"))
            Assert.NotNull(m);
        using var f = SafetensorsFile.Open(path);
        File.Delete(path); // libtorch maps by path, which is gone; the reader's handle still reads the bytes
        Assert.Null(f.MapTensor("x"));
        using var t = f.ReadTensor("x", null, map: true);
        Assert.Equal(values, t.data<float>().ToArray());
    }

    [Fact]
    public void Should_not_map_a_file_that_replaced_the_validated_one()
    {
        if (!OperatingSystem.IsLinux())
            return; // replacing an open file
        using var dir = new TempDir();
        var values = new[] { 1.5f, -2f, 3.25f, 4f };
        string path = OneTensor(dir, "model.safetensors", values, 56);
        using var f = SafetensorsFile.Open(path);
        // Another file, with another header, moved over the path after the header was validated.
        string other = OneTensor(dir, "other.safetensors", new[] { 9f, 9f, 9f, 9f, 9f, 9f, 9f, 9f, 9f, 9f }, 56);
        File.Move(other, path, overwrite: true);
        Assert.Null(f.MapTensor("x"));
        using var t = f.ReadTensor("x", null, map: true); // read through the handle: the validated file's bytes
        Assert.Equal(values, t.data<float>().ToArray());
    }

    [Fact]
    public void Should_keep_a_loaded_model_when_its_checkpoint_is_replaced()
    {
        if (!OperatingSystem.IsLinux())
            return;
        using var dir = Export("llama", ScalarType.Float32);
        using var model = ModelLoader.Load(dir.Path, mapWeights: true);
        using var batch = TokenBatch.FromIds(new[] { new[] { 1, 5, 9, 2 } }, padId: 0);
        using var before = model.Forward(batch);
        // Glassbox's writers replace a file (write aside, then rename): the old pages stay the loaded model's.
        CheckpointFixtures.Rewrite(dir.Path, all => all.Select(x => (x.name, ScalarMath.MulScalar(x.t, 2.0))).ToList());
        using var after = model.Forward(batch);
        TensorAssert.Same(before, after, "logits after the file was replaced");
        using var reloaded = ModelLoader.Load(dir.Path, mapWeights: true);
        using var changed = reloaded.Forward(batch);
        Assert.True(
            TinyModels.MaxAbsDiff(before, changed) > 0f,
            "the rewritten checkpoint should load different weights"
        );
    }

    [Fact]
    public void Should_run_a_command_with_mmap_in_human_mode_and_json_like_the_default_read_copies()
    {
        using var tmp = new TempDir();
        string dir = Glassbox.Tests.Cli.TinyCliModel.Write(tmp.File("tiny"));
        var (code, human, err) = CliHarness.Run("run", "-m", dir, "--mmap", "-t", "lily went home", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("home", human, StringComparison.Ordinal);
        var (c1, mapped, e1) = CliHarness.Run(
            "run",
            "-m",
            dir,
            "--mmap",
            "-t",
            "lily went home",
            "--json",
            "--threads",
            "1"
        );
        var (c2, copies, e2) = CliHarness.Run("run", "-m", dir, "-t", "lily went home", "--json", "--threads", "1");
        Assert.True(c1 == 0 && c2 == 0, e1 + e2);
        Assert.Equal(CliHarness.Result(copies), CliHarness.Result(mapped));
        var (h, help, _) = CliHarness.Run("run", "--help");
        Assert.Equal(0, h);
        Assert.Contains("--mmap", help, StringComparison.Ordinal);
    }

    /// <summary>A safetensors file holding one float32 tensor "x", its header padded to <paramref name="headerBytes"/>
    /// (so the data starts at byte 8 + headerBytes).</summary>
    private static string OneTensor(TempDir dir, string name, float[] values, int headerBytes)
    {
        var data = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, data, 0, data.Length);
        string n = values.Length.ToString(CultureInfo.InvariantCulture),
            bytes = data.Length.ToString(CultureInfo.InvariantCulture);
        string header = (
            "{\"x\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + bytes + "]}}"
        ).PadRight(headerBytes);
        return dir.RawSafetensors(name, header, data);
    }

    private static TempDir Export(string type, ScalarType dtype)
    {
        var dir = new TempDir();
        var config = CheckpointFixtures.Config(type);
        var weights = CheckpointFixtures.RandomWeights(config, dtype);
        try
        {
            HfExporter.Export(config, weights, dir.Path);
            return dir;
        }
        finally
        {
            CheckpointFixtures.DisposeAll(weights.Values);
        }
    }

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Whether the tensor's first byte lies in a mapping of <paramref name="file"/> (/proc/self/maps).</summary>
    private static unsafe bool InMappingOf(Tensor t, string file)
    {
        long at;
        fixed (byte* p = t.bytes)
            at = (long)p;
        string full = Path.GetFullPath(file);
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            if (!line.EndsWith(full, StringComparison.Ordinal))
                continue;
            var range = line[..line.IndexOf(' ', StringComparison.Ordinal)].Split('-');
            long lo = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long hi = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (at >= lo && at < hi)
                return true;
        }
        return false;
    }
}
