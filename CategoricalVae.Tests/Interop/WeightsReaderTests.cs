using CategoricalVae.Common;
using CategoricalVae.Interop;
using CategoricalVae.Model;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Interop;

/// <summary>The weights reader in-process: both formats read back bit for bit, and mismatches are named.</summary>
[Trait("Category", Category.Unit)]
public class WeightsReaderTests
{
    [Theory]
    [InlineData("weights.pt")]
    [InlineData("weights.safetensors")]
    public void Both_formats_read_back_bit_for_bit_into_the_model(string name)
    {
        using var dir = new TempDir();
        var stateDict = WeightsFiles.StateDict(8, 4, seed: 1);
        string file = dir.File(name);
        if (name.EndsWith(".pt"))
            WeightsFiles.WritePt(file, stateDict);
        else
            WeightsFiles.WriteSafetensors(file, stateDict);

        using var model = ModelFactory.Create(8, 4, reluOnLogits: true, seed: 2);
        using var weights = WeightsReader.Read(file, new ExpectedStateDict(model));
        weights.LoadInto(model);

        Assert.Equal(name.EndsWith(".pt") ? WeightsFormat.Pytorch : WeightsFormat.Safetensors, weights.Format);
        Assert.Empty(weights.Warnings);
        foreach (var (key, parameter) in model.state_dict())
            Assert.True(parameter.equal(stateDict[key]).all().item<bool>(), key);
    }

    [Fact]
    public void A_file_is_told_apart_by_its_content_not_its_name()
    {
        using var dir = new TempDir();
        string file = dir.File("weights.bin");
        WeightsFiles.WriteSafetensors(file, WeightsFiles.StateDict(8, 4));
        using var model = ModelFactory.Create(8, 4, reluOnLogits: true, seed: 2);
        using var weights = WeightsReader.Read(file, new ExpectedStateDict(model));
        Assert.Equal(WeightsFormat.Safetensors, weights.Format);
    }

    [Fact]
    public void The_size_limit_is_the_models_state_dict_in_float64_plus_room_for_the_container()
    {
        using var model = ModelFactory.Create(30, 10, reluOnLogits: true, seed: 2);
        var expected = new ExpectedStateDict(model);
        Assert.Equal(8 * CategoricalVaeModel.ParameterCount(30, 10) + (1 << 20), expected.MaxFileBytes);
        Assert.Equal("30×10", expected.Model);
        Assert.Equal(12, expected.Tensors.Count);
    }

    [Theory]
    [InlineData("fc3.weight", "float32", new long[] { 300, 256 }, null)]
    [InlineData("fc3.weight", "float64", new long[] { 300, 256 }, null)]
    [InlineData("fc3.weight", "bfloat16", new long[] { 300, 256 }, null)]
    [InlineData("fc3.weight", "int32", new long[] { 300, 256 }, "tensor fc3.weight is int32")]
    [InlineData("fc3.weight", "float32", new long[] { 256, 300 }, "tensor fc3.weight has shape [256, 300], but a 30×10 model's is [300, 256] (the file's code has 256 units")]
    [InlineData("fc1.weight", "float32", new long[] { 784, 512 }, "tensor fc1.weight has shape [784, 512], but a 30×10 model's is [512, 784].")]
    [InlineData("fc3.bias", "float32", new long[] { 300, 1 }, "tensor fc3.bias has shape [300, 1], but a 30×10 model's is [300].")]
    public void One_tensor_differing_is_named(string name, string dtype, long[] shape, string? problem)
    {
        using var model = ModelFactory.Create(30, 10, reluOnLogits: true, seed: 2);
        var expected = new ExpectedStateDict(model);
        var entries = expected.Tensors.Select(t => t.Name == name ? new TensorEntry(name, dtype, shape) : new TensorEntry(t.Name, "float32", t.Shape)).ToList();
        string? found = expected.Problem(entries);
        if (problem == null)
            Assert.Null(found);
        else
            Assert.StartsWith(problem, found);
    }

    [Fact]
    public void A_repeated_or_foreign_name_is_named()
    {
        using var model = ModelFactory.Create(30, 10, reluOnLogits: true, seed: 2);
        var expected = new ExpectedStateDict(model);
        var entries = expected.Tensors.Select(t => new TensorEntry(t.Name, "float32", t.Shape)).ToList();
        Assert.Equal("it holds tensor fc2.bias twice.", expected.Problem([.. entries, new TensorEntry("fc2.bias", "float32", [256])]));
        Assert.StartsWith("it holds a tensor 'encoder.0.weight' that the model has not", expected.Problem([new TensorEntry("encoder.0.weight", "float32", [512, 784]), .. entries]));
        Assert.StartsWith("tensor fc1.weight is missing", expected.Problem(entries[1..]));
    }

    [Fact]
    public void Reading_refuses_with_the_files_name_and_exit_code_2()
    {
        using var dir = new TempDir();
        string file = dir.File("weights.pt");
        WeightsFiles.WritePt(file, WeightsFiles.StateDict(8, 4));
        using var model = ModelFactory.Create(30, 10, reluOnLogits: true, seed: 2);
        var e = Assert.Throws<UserFacingException>(() => WeightsReader.Read(file, new ExpectedStateDict(model)));
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.StartsWith($"import: {file}: tensor fc3.weight has shape [32, 256]", e.Message);
    }
}
