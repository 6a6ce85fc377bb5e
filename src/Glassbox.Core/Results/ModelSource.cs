namespace Glassbox;

/// <summary>Where a model came from, for manifests: kind ("embedded", "hf", "llama2c", "random"), path or
/// resource name, and a SHA-256 of the weight bytes.</summary>
public sealed record ModelSource(string Kind, string Location, string Sha256);
