using static TorchSharp.torch;

namespace Glassbox.Models.Components;

/// <summary>Raw access to CPU tensors for the managed kernels.</summary>
internal static unsafe class RawTensor
{
    /// <summary>The address of <paramref name="x"/>'s first element: its view's, not its storage's, so it works for
    /// strided views too (TorchSharp's <c>bytes</c> refuses them). Index with the tensor's strides.</summary>
    public static T* Address<T>(Tensor x)
        where T : unmanaged => (T*)x.storage<T>().data_ptr() + x.storage_offset();
}
