using System.Globalization;
using static TorchSharp.torch;

namespace Glassbox.Hooks;

/// <summary>
/// A byte budget for an <see cref="ActivationCache"/> (issue 14, item 9): activations are kept in memory until the
/// budget would be passed; each further one is written to a file under <see cref="Directory"/> and memory-mapped back
/// read-only (<c>torch.from_file</c>), so it is file-backed and the kernel can drop its pages instead of the process
/// holding them. Spilled activations come back on the CPU with their dtype and shape; their files are deleted when the
/// cache is disposed. Activations that keep gradients are never spilled.
/// </summary>
/// <param name="ByteBudget">Most bytes of activations held in memory (0 spills everything).</param>
/// <param name="Directory">Folder for the spill files (a fresh subfolder is made per cache); the system temp folder
/// when null.</param>
public sealed record CacheSpill(long ByteBudget, string? Directory = null)
{
    /// <summary>Checks the budget and makes this cache's spill folder.</summary>
    /// <exception cref="InputException">A negative budget, or a folder that cannot be created or written.</exception>
    internal string CreateFolder()
    {
        if (ByteBudget < 0)
            throw new InputException(
                string.Create(CultureInfo.InvariantCulture, $"cache byte budget must be >= 0, got {ByteBudget}")
            );
        var root = Directory ?? Path.GetTempPath();
        try
        {
            var folder = Path.Combine(root, "glassbox-spill-" + Guid.NewGuid().ToString("N")[..12]);
            System.IO.Directory.CreateDirectory(folder);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot make a spill folder in '{root}': {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="t"/> to a file in <paramref name="folder"/> and returns a read-only memory map of it
    /// with the same dtype and shape (CPU). The caller disposes <paramref name="t"/>.</summary>
    internal static Tensor Spill(Tensor t, string folder, int index)
    {
        var path = Path.Combine(folder, index.ToString(CultureInfo.InvariantCulture) + ".bin");
        using (var scope = NewDisposeScope())
        {
            var c = t.detach().cpu().contiguous();
            using var f = File.Create(path);
            f.Write(c.bytes);
        }
        // The cache owns the map: it must outlive any dispose scope the forward runs in.
        if (t.numel() == 0)
            return empty(t.shape, t.dtype).DetachFromDisposeScope();
        using var flat = from_file(path, false, t.numel(), t.dtype);
        return flat.view(t.shape).DetachFromDisposeScope();
    }
}
