using System.Buffers.Binary;
using System.Text;
using Glassbox.Loading;
using Glassbox.Tensors;
using Glassbox.Tests.Loading;

namespace Glassbox.Tests.Fuzz;

/// <summary>Regression tests for the safetensors findings of issue 16: each input here once loaded, crashed or
/// allocated; each must now be one clear <see cref="ModelFormatException"/> naming the file.</summary>
public class SafetensorsFindingTests
{
    private const string TwoTensors =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";

    private static string Rejects(string path)
    {
        var ex = Assert.Throws<ModelFormatException>(() =>
        {
            using var f = SafetensorsFile.Open(path);
        });
        Assert.Contains(path, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        return ex.Message;
    }

    private static string Raw(TempDir dir, byte[] header, byte[] data, ulong? length = null)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        string p = dir.File("m.safetensors");
        File.WriteAllBytes(p, bytes);
        return p;
    }

    [Fact]
    public void Should_reject_a_header_with_invalid_utf8_naming_the_file()
    {
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        h[3] = 0xFF; // invalid UTF-8 inside a tensor name
        Assert.Contains("UTF-8", Rejects(Raw(dir, h, new byte[4])));
    }

    [Fact]
    public void Should_reject_a_lone_surrogate_escape_in_a_tensor_name()
    {
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes("{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        Assert.Contains("surrogate", Rejects(Raw(dir, h, new byte[4])));
    }

    [Fact]
    public void Should_reject_a_header_length_one_byte_short_even_when_the_json_still_parses()
    {
        using var dir = new TempDir();
        // A header padded with a space (as writers do for alignment): one byte short still parses as JSON,
        // but every tensor would be read shifted by one byte.
        var h = Encoding.UTF8.GetBytes(TwoTensors + " ");
        var p = Raw(dir, h, new byte[12], length: (ulong)h.Length - 1);
        Assert.Contains("data buffer holds 13 bytes but the tensors end at byte 12", Rejects(p));
    }

    [Fact]
    public void Should_reject_a_data_buffer_longer_than_the_last_tensor()
    {
        using var dir = new TempDir();
        Assert.Contains("tensors end at byte 12", Rejects(Raw(dir, Encoding.UTF8.GetBytes(TwoTensors), new byte[16])));
    }

    [Fact]
    public void Should_reject_offsets_that_do_not_start_at_zero()
    {
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}");
        Assert.Contains("do not start at 0", Rejects(Raw(dir, h, new byte[8])));
    }

    [Fact]
    public void Should_reject_a_gap_between_tensors()
    {
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}"
        );
        Assert.Contains("gap after 'a'", Rejects(Raw(dir, h, new byte[12])));
    }

    [Fact]
    public void Should_reject_a_duplicate_tensor_name()
    {
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
        );
        Assert.Contains("'a' twice", Rejects(Raw(dir, h, new byte[8])));
    }

    [Theory]
    [InlineData("[0,4.5]")]
    [InlineData("[-4,0]")]
    [InlineData("[\"0\",4]")]
    [InlineData("[0]")]
    public void Should_reject_offsets_that_are_not_two_non_negative_integers(string offsets)
    {
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}");
        Assert.Contains("'a'", Rejects(Raw(dir, h, new byte[4])));
    }

    [Fact]
    public void Should_reject_a_header_that_does_not_start_with_a_brace()
    {
        using var dir = new TempDir();
        Assert.Contains("does not start with", Rejects(Raw(dir, Encoding.UTF8.GetBytes(" {}"), [])));
    }

    [Fact]
    public void Should_refuse_a_shape_of_two_to_the_forty_elements_without_allocating()
    {
        using var dir = new TempDir();
        long n = 1L << 40;
        var h = Encoding.UTF8.GetBytes(
            string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"{{\"a\":{{\"dtype\":\"F32\",\"shape\":[{n}],\"data_offsets\":[0,{4 * n}]}}}}"
            )
        );
        var p = Raw(dir, h, new byte[16]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var msg = Rejects(p);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("'a'", msg);
        Assert.True(
            allocated < 1_000_000,
            string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"validating a hostile header allocated {allocated} bytes"
            )
        );
    }

    [Fact]
    public void Should_still_read_a_valid_file_written_by_the_writer()
    {
        using var dir = new TempDir();
        string p = dir.File("ok.safetensors");
        using var a = ScalarMath.Arange(6, TorchSharp.torch.ScalarType.Float32).reshape(2, 3);
        using var e = TorchSharp.torch.zeros(0, 3);
        SafetensorsWriter.Write(p, [("a", a), ("empty", e)]);
        using var f = SafetensorsFile.Open(p);
        using var t = f.ReadTensor("a");
        Assert.Equal(5f, t[1, 2].item<float>());
    }

    [Fact]
    public void Should_keep_the_message_on_one_line_when_a_shape_spans_lines()
    {
        // Fuzz finding (10^4-case run): a newline inside the shape array was quoted into the message.
        using var dir = new TempDir();
        var h = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[\n6],\"data_offsets\":[0,4]}}");
        Assert.Contains("needs 24", Rejects(Raw(dir, h, new byte[4])));
    }
}
