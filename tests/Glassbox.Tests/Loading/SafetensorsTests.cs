using Glassbox.Loading;
using Glassbox.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Glassbox.Tests.Loading;

public class SafetensorsTests
{
    private static ModelFormatException Rejects(string path)
    {
        var ex = Assert.Throws<ModelFormatException>(() =>
        {
            using var f = SafetensorsFile.Open(path);
        });
        Assert.Contains(path, ex.Message);
        return ex;
    }

    [Fact]
    public void Should_read_a_valid_hand_written_file()
    {
        using var dir = new TempDir();
        var data = new byte[8];
        BitConverter.GetBytes(1.5f).CopyTo(data, 0);
        BitConverter.GetBytes(-2f).CopyTo(data, 4);
        var p = dir.RawSafetensors(
            "ok.safetensors",
            "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            data
        );
        using var f = SafetensorsFile.Open(p);
        Assert.Equal("pt", f.Metadata["format"]);
        var e = Assert.Single(f.Entries);
        Assert.Equal(("a", "F32"), (e.Name, e.DType));
        Assert.Equal(new long[] { 2 }, e.Shape);
        using var t = f.ReadTensor("a");
        Assert.Equal(new[] { 1.5f, -2f }, t.data<float>().ToArray());
    }

    [Fact]
    public void Should_reject_a_file_shorter_than_eight_bytes()
    {
        using var dir = new TempDir();
        var p = dir.File("short.safetensors");
        File.WriteAllBytes(p, new byte[] { 1, 2, 3 });
        Assert.Contains("shorter than", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_a_header_length_beyond_the_file()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors("len.safetensors", "{}", Array.Empty<byte>(), lengthOverride: 1000);
        Assert.Contains("header length 1000", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_a_giant_header_length_without_allocating()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors("giant.safetensors", "{}", Array.Empty<byte>(), lengthOverride: ulong.MaxValue - 5);
        Assert.Contains("limit", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_a_non_json_header()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors("json.safetensors", "{not json at all", Array.Empty<byte>());
        Assert.Contains("not valid JSON", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_a_header_that_is_not_an_object()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors("arr.safetensors", "[1,2,3]", Array.Empty<byte>());
        Assert.Contains("must be a JSON object", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_an_unknown_dtype()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors(
            "dt.safetensors",
            "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}",
            new byte[2]
        );
        var msg = Rejects(p).Message;
        Assert.Contains("unknown dtype 'F8_E4M3'", msg);
        Assert.Contains("'a'", msg);
    }

    [Theory]
    [InlineData("[-1]")]
    [InlineData("[2.5]")]
    [InlineData("[\"2\"]")]
    [InlineData("[4294967296, 4294967296, 4294967296]")]
    public void Should_reject_bad_shape_dimensions(string shape)
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors(
            "shape.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4]}}",
            new byte[4]
        );
        Assert.Contains("shape", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_offsets_out_of_range()
    {
        using var dir = new TempDir();
        // Two tensors with a gap, the second pointing past the 16-byte buffer.
        var p = dir.RawSafetensors(
            "range.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}}",
            new byte[16]
        );
        var msg = Rejects(p).Message;
        Assert.Contains("out of range", msg);
        Assert.Contains("'b'", msg);
    }

    [Fact]
    public void Should_reject_begin_after_end()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors(
            "order.safetensors",
            "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,4]}}",
            new byte[8]
        );
        Assert.Contains("after end", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_overlapping_offsets()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors(
            "overlap.safetensors",
            "{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            new byte[12]
        );
        var msg = Rejects(p).Message;
        Assert.Contains("overlap", msg);
        Assert.Contains("'a'", msg);
        Assert.Contains("'b'", msg);
    }

    [Fact]
    public void Should_reject_a_byte_count_that_does_not_match_the_shape()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors(
            "count.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
            new byte[8]
        );
        Assert.Contains("needs 12", Rejects(p).Message);
    }

    [Fact]
    public void Should_reject_a_truncated_file()
    {
        using var dir = new TempDir();
        var p = dir.RawSafetensors(
            "trunc.safetensors",
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}",
            new byte[20]
        );
        Assert.Contains("truncated", Rejects(p).Message);
    }

    public static TheoryData<ScalarType> AllDtypes =>
        new()
        {
            ScalarType.Float32,
            ScalarType.Float16,
            ScalarType.BFloat16,
            ScalarType.Float64,
            ScalarType.Int64,
            ScalarType.Int32,
            ScalarType.Int8,
            ScalarType.Byte,
            ScalarType.Bool,
        };

    [Theory]
    [MemberData(nameof(AllDtypes))]
    public void Should_round_trip_every_dtype(ScalarType dtype)
    {
        using var dir = new TempDir();
        using var src = torch.randn(3, 5).MulScalar(50.0).to_type(dtype);
        using var scalar = torch.tensor(7).to_type(dtype);
        using var empty = torch.zeros(0, 4).to_type(dtype);
        using var strided = src.t(); // non-contiguous view
        var p = dir.File("rt.safetensors");
        SafetensorsWriter.Write(
            p,
            new[] { ("m", src), ("s", scalar), ("e", empty), ("t", strided) },
            new Dictionary<string, string> { ["format"] = "pt" }
        );

        using var f = SafetensorsFile.Open(p);
        Assert.Equal(new[] { "e", "m", "s", "t" }, f.Entries.Select(e => e.Name).ToArray());
        Assert.Equal("pt", f.Metadata["format"]);
        foreach (var (name, expected) in new[] { ("m", src), ("s", scalar), ("e", empty), ("t", strided) })
        {
            using var got = f.ReadTensor(name);
            TensorAssert.Same(expected, got, name);
        }
    }

    [Fact]
    public void Should_pad_the_header_to_eight_bytes_with_spaces_and_sort_keys()
    {
        using var dir = new TempDir();
        using var a = torch.ones(3);
        using var b = torch.ones(1, dtype: ScalarType.Int8);
        var p = dir.File("pad.safetensors");
        SafetensorsWriter.Write(p, new[] { ("zeta", a), ("alpha", b) });
        var bytes = File.ReadAllBytes(p);
        ulong n = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, n % 8);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.True(
            header.IndexOf("alpha", StringComparison.Ordinal) < header.IndexOf("zeta", StringComparison.Ordinal)
        );
        Assert.Equal(header.TrimEnd(' ').Length + (header.Length - header.TrimEnd(' ').Length), header.Length);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.Equal(8 + (long)n + 12 + 1, bytes.Length);
    }

    [Fact]
    public void Should_replace_an_existing_file_atomically_and_leave_no_temp_files()
    {
        using var dir = new TempDir();
        var p = dir.File("w.safetensors");
        File.WriteAllText(p, "old junk");
        using var a = ScalarMath.Arange(4, ScalarType.Float32);
        SafetensorsWriter.Write(p, new[] { ("a", a) });
        Assert.Equal(new[] { "w.safetensors" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName).ToArray());
        using var f = SafetensorsFile.Open(p);
        using var got = f.ReadTensor("a", ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, got.dtype);
        Assert.Equal(new[] { 0.0, 1, 2, 3 }, got.data<double>().ToArray());
    }

    [Fact]
    public void Should_reject_duplicate_tensor_names_when_writing()
    {
        using var dir = new TempDir();
        using var a = torch.ones(1);
        Assert.Throws<ArgumentException>(() =>
            SafetensorsWriter.Write(dir.File("d.safetensors"), new[] { ("a", a), ("a", a) })
        );
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
