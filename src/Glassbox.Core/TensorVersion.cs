// Reads libtorch's version counter of a tensor (at::TensorBase::_version, exported by libtorch_cpu.so; TorchSharp's
// Tensor.Handle is an at::Tensor*). Every in-place op bumps it, on the tensor and on every view of the same storage,
// which is what autograd relies on to detect changed inputs. Why: a copy derived from a weight (MKL's packed form) is
// remade exactly when the weight changed, without reading the weight.
using System.Runtime.InteropServices;
using Tensor = TorchSharp.torch.Tensor;

namespace Glassbox;

/// <summary>The version counter of libtorch tensors.</summary>
public static unsafe class TensorVersion
{
    private static readonly delegate* unmanaged<nint, long> Version;
    private static readonly delegate* unmanaged<nint, byte> IsInference;

    static TensorVersion()
    {
        var lib = MklGemm.Libtorch;
        if (
            lib == 0
            || !NativeLibrary.TryGetExport(lib, "_ZNK2at10TensorBase8_versionEv", out var version)
            || !NativeLibrary.TryGetExport(lib, "_ZN2at6native12is_inferenceERKNS_6TensorE", out var inference)
        )
            return;
        Version = (delegate* unmanaged<nint, long>)version;
        IsInference = (delegate* unmanaged<nint, byte>)inference;
    }

    /// <summary>The version of <paramref name="tensor"/>: it changes whenever the tensor or a view of its storage is
    /// changed by a libtorch op in place. Null where it cannot be read (an inference-mode tensor has no counter, or
    /// libtorch_cpu.so's symbols were not found); writes through raw data pointers are not counted.</summary>
    public static long? Of(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (Version == null)
            return null;
        nint handle = tensor.Handle;
        if (handle == 0 || IsInference(handle) != 0)
            return null;
        return Version(handle);
    }
}
