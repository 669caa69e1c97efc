using System.Text.Json.Nodes;
using CategoricalVae.Data;
using CategoricalVae.Runs;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Interop;

/// <summary>
/// Both directions against the real thing, Debian's PyTorch running the original VAE_gumbel (pytorch/): a run exported
/// here computes in Python what it computes here, and a model the original script trained imports with the KL that
/// Python computes for it.
/// </summary>
[Trait("Category", Category.EndToEnd)]
[Collection(RealMnistCollection.Name)]
public class PytorchInteropTests
{
    readonly RealMnist _mnist;
    readonly ITestOutputHelper _output;

    public PytorchInteropTests(RealMnist mnist, ITestOutputHelper output) => (_mnist, _output) = (mnist, output);

    const int Images = 16;

    static void Ok(CliRunner.Result r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");

    [FactWhenPytorch]
    public void A_run_exported_here_loads_strictly_into_the_original_and_gives_the_same_posterior_and_decoder_output()
    {
        using var dir = new TempDir();
        Ok(CliRunner.Run(dir.Path, _mnist.Args("runs", [.. SmallRun.Args(1, 300, 100), "--threads", "1"])));
        string run = RunFolder.Single(dir.File("runs"));
        Ok(CliRunner.Run(dir.Path, ["export", run, "--out", dir.File("model.pt")]));
        Ok(CliRunner.Run(dir.Path, ["export", run, "--format", "safetensors", "--out", dir.File("model.safetensors")]));

        // This program's q(z|x) and decoder output, from the checkpoint, for the first test images.
        byte[] pixels = IdxReader.ReadImages(_mnist.Files[MnistFile.TestImages]).Pixels;
        float[] inputs = pixels.Take(Images * 784).Select(p => p / 255f).ToArray();
        float[] q, decoded;
        using (var model = TrainedRun.Open(run, "test").LoadModel(CPU))
        using (no_grad())
        using (var x = tensor(inputs, [Images, 784]))
        using (var posterior = model.Encode(x).softmax(-1).view(Images, -1))
        using (var output = model.Decode(posterior))
        {
            q = posterior.data<float>().ToArray();
            decoded = output.data<float>().ToArray();
        }
        Write(dir.File("inputs.f32"), inputs);
        Write(dir.File("q.f32"), q);
        Write(dir.File("decoded.f32"), decoded);
        string[] args = ["--pt", dir.File("model.pt"), "--safetensors", dir.File("model.safetensors"), "--inputs", dir.File("inputs.f32"),
            "--codes", dir.File("q.f32"), "--expected-q", dir.File("q.f32"), "--expected-decoded", dir.File("decoded.f32")];

        var checkedRun = PythonScripts.Run("check_export.py", args);
        Assert.True(checkedRun.ExitCode == 0, checkedRun.Stdout + checkedRun.Stderr);
        _output.WriteLine(checkedRun.Stdout);
        var result = JsonNode.Parse(checkedRun.Stdout.Trim().Split('\n')[^1])!;
        Assert.True((bool)result["ok"]!);
        Assert.Equal((Images, 12), ((int)result["images"]!, (int)result["tensors"]!));
        Assert.All(result["largest_difference"]!.AsObject(), kv => Assert.InRange((double)kv.Value!, 0, 1e-5));

        // The check can fail: one probability off by 1e-3 is caught.
        q[5] += 1e-3f;
        Write(dir.File("q-off.f32"), q);
        var off = PythonScripts.Run("check_export.py", [.. args[..^4], "--expected-q", dir.File("q-off.f32"), "--expected-decoded", dir.File("decoded.f32")]);
        Assert.Equal(1, off.ExitCode);
        Assert.Contains("q(z|x): differs from the program's", off.Stdout);
    }

    [FactWhenPytorch]
    public void A_model_trained_by_the_original_script_imports_with_the_KL_to_the_prior_that_python_computes()
    {
        using var dir = new TempDir();
        string weights = dir.File("original.pt");
        var trained = PythonScripts.Run("train_original.py", "--data-dir", _mnist.DataDir, "--out", weights, "--train-limit", "10000",
            "--threads", Environment.ProcessorCount.ToString());
        Assert.True(trained.ExitCode == 0, trained.Stdout + trained.Stderr);
        var python = PythonScripts.Run("kl_to_prior.py", "--weights", weights, "--data-dir", _mnist.DataDir, "--test-limit", "500");
        Assert.True(python.ExitCode == 0, python.Stdout + python.Stderr);
        double pythonKl = (double)JsonNode.Parse(python.Stdout.Trim().Split('\n')[^1])!["kl_to_prior"]!;

        Ok(CliRunner.Run(dir.Path, ["import", weights, "--runs-dir", dir.File("runs"), "--name", "original", "--threads", "1"]));
        string run = RunFolder.Single(dir.File("runs"));
        Ok(CliRunner.Run(dir.Path, ["evaluate", run, "--binarize", "none", "--samples", "1", "--test-limit", "500", "--data-dir", _mnist.DataDir,
            "--offline", "--threads", "1", "--out", dir.File("evaluation.json")]));
        var report = EvaluationReport.FromJson(File.ReadAllText(dir.File("evaluation.json")));

        _output.WriteLine($"KL to the prior on 500 grey test images: evaluate {report.KlToPrior:R}, PyTorch {pythonKl:R}");
        Assert.True(pythonKl > 0.05, $"the original barely trained (KL {pythonKl}), so the comparison would say little");
        Assert.True(Math.Abs(report.KlToPrior - pythonKl) < 1e-3, $"evaluate's KL {report.KlToPrior} vs PyTorch's {pythonKl}");
    }

    static void Write(string path, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }
}
