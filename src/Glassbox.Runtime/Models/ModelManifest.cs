namespace Glassbox.Models;

/// <summary>Builds <see cref="RunManifest"/>s for runs of a model (the manifest record lives in the core, which knows
/// no model).</summary>
public static class ModelManifest
{
    extension(RunManifest)
    {
        /// <summary>Manifest for a model.</summary>
        public static RunManifest For(
            string command,
            HookedTransformer model,
            long? seed = null,
            IReadOnlyDictionary<string, string>? options = null
        ) =>
            new()
            {
                Command = command,
                Model = model.Name,
                ModelSource = model.Source,
                DType = new Placement(model.DType, model.Device).DTypeName,
                Device = model.Device.ToString(),
                Seed = seed,
                Options = options ?? new Dictionary<string, string>(),
            };
    }
}
