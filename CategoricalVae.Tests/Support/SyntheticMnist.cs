using System.Security.Cryptography;
using CategoricalVae.Data;

namespace CategoricalVae.Tests;

/// <summary>Four small synthetic IDX files with the real names and their own MD5s.</summary>
public sealed class SyntheticMnist
{
    public SyntheticMnist(int train = 30, int test = 10)
    {
        Content = new Dictionary<string, byte[]>
        {
            [MnistFile.TrainImages.Name] = IdxWriter.Images(train, seed: 1),
            [MnistFile.TrainLabels.Name] = IdxWriter.Labels(train),
            [MnistFile.TestImages.Name] = IdxWriter.Images(test, seed: 2),
            [MnistFile.TestLabels.Name] = IdxWriter.Labels(test),
        };
        Files = MnistFile.All.Select(f => f with { Md5 = Convert.ToHexStringLower(MD5.HashData(Content[f.Name])) }).ToList();
    }

    public Dictionary<string, byte[]> Content { get; }
    public IReadOnlyList<MnistFile> Files { get; }

    public void WriteRaw(string dir)
    {
        foreach (var (name, bytes) in Content)
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
    }
}
