
namespace CategoricalVae.Data;

/// <summary>The two MNIST splits, loaded once and shared by every run of a process (runs take their own limited or
/// binarised copies, see <see cref="ForRun"/>).</summary>
public sealed class MnistData : IDisposable
{
    public MnistData(MnistDataset train, MnistDataset test)
    {
        Train = train;
        Test = test;
    }

    public MnistDataset Train { get; }
    public MnistDataset Test { get; }

    /// <summary>Fetches what is missing, verifies and loads the four files (the first <paramref name="trainLimit"/>
    /// and <paramref name="testLimit"/> examples, or all).</summary>
    public static async Task<MnistData> LoadAsync(MnistDataDirectory directory, int? trainLimit = null, int? testLimit = null, CancellationToken cancel = default)
    {
        var files = await directory.EnsureAsync(cancel);
        var train = MnistDataset.Load(files[MnistFile.TrainImages], files[MnistFile.TrainLabels], trainLimit);
        try
        {
            return new MnistData(train, MnistDataset.Load(files[MnistFile.TestImages], files[MnistFile.TestLabels], testLimit));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    /// <summary>A run's data: the first examples of each split and their binarisation. Fixed: both splits once;
    /// dynamic: the test set once (so test losses compare across epochs), the training batches as they are drawn
    /// by the training loop. The caller disposes both.</summary>
    public (MnistDataset Train, MnistDataset Test) ForRun(int? trainLimit, int? testLimit, Binarization binarize, long binarizeSeed)
    {
        MnistDataset train = Train.Take(trainLimit), test = Test.Take(testLimit);
        if (binarize == Binarization.None)
            return (train, test);
        using (train)
        using (test)
        {
            var binaryTest = test.BinarizedFixed(binarizeSeed, Common.SeedStreams.Stream.BinarizeTestSet);
            var binaryTrain = binarize == Binarization.Fixed
                ? train.BinarizedFixed(binarizeSeed, Common.SeedStreams.Stream.BinarizeTrainSet)
                : train.Take(null);
            return (binaryTrain, binaryTest);
        }
    }

    /// <summary>The test split alone, binarised as a run with these settings saw it (for `evaluate`).</summary>
    public MnistDataset TestForRun(int? testLimit, Binarization binarize, long binarizeSeed)
    {
        var test = Test.Take(testLimit);
        if (binarize == Binarization.None)
            return test;
        using (test)
            return test.BinarizedFixed(binarizeSeed, Common.SeedStreams.Stream.BinarizeTestSet);
    }

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
