namespace CategoricalVae.Data;

/// <summary>One of the four standard MNIST IDX files and the MD5 of its uncompressed content.</summary>
public sealed record MnistFile(string Name, string Md5)
{
    public static readonly MnistFile TrainImages = new("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb");
    public static readonly MnistFile TrainLabels = new("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624");
    public static readonly MnistFile TestImages = new("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea");
    public static readonly MnistFile TestLabels = new("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637");

    public static IReadOnlyList<MnistFile> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    public string GzName => Name + ".gz";
}
