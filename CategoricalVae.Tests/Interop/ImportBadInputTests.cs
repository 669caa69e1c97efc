using CategoricalVae.Common;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CategoricalVae.Tests.Interop;

/// <summary>
/// `import` on files that are not this model's weights: each is refused with one `error:` line naming the file and,
/// where there is one, the tensor; no run folder is left behind, and nothing in the file is run.
/// </summary>
[Trait("Category", Category.EndToEnd)]
public class ImportBadInputTests
{
    [Theory]
    [InlineData("garbage", "neither a PyTorch state_dict (torch.save's zip archive) nor a safetensors file")]
    [InlineData("empty", "it is empty")]
    [InlineData("truncated-pt", "not a complete zip archive (truncated")]
    [InlineData("truncated-safetensors", "ends past the end of the file (truncated)")]
    [InlineData("safetensors-huge-header", "its header claims 1152921504606846976 bytes, more than the file holds")]
    [InlineData("safetensors-huge-shape", "tensor fc1.weight has shape [1000000000000, 784], but a 30×10 model's is [512, 784]")]
    [InlineData("legacy-pickle", "saved in PyTorch's legacy format")]
    [InlineData("pickle-list", "its pickle holds something other than a state_dict")]
    [InlineData("pickle-calls-os-system", "its pickle asks to call os.system, which a state_dict never does")]
    [InlineData("pickle-whole-module", "a whole pickled module (torch.save(model)), not its state_dict")]
    [InlineData("pickle-huge-shape", "a tensor claims more bytes than the file stores for it")]
    [InlineData("no-data-pkl", "a zip archive without a data.pkl")]
    [InlineData("unknown-tensor", "it holds a tensor 'fc7.weight' that the model has not")]
    [InlineData("missing-tensor", "tensor fc6.bias is missing")]
    [InlineData("wrong-shape", "tensor fc3.weight has shape [200, 256], but a 30×10 model's is [300, 256] (the file's code has 200 units: give --latent-dim and --categories whose product is 200)")]
    [InlineData("int-tensor", "tensor fc2.bias is int64; weights must be floating point")]
    [InlineData("nan-tensor", "tensor fc5.weight holds NaN or infinite values")]
    [InlineData("float64-beyond-float32", "tensor fc1.bias holds a value beyond float32's range")]
    [InlineData("several-gigabytes", "it is 3.0 GB, but a state_dict of a 30×10 model is at most 10.3 MB (float64)")]
    [InlineData("missing-file", "does not exist")]
    [InlineData("folder", "is a folder, not a weights file")]
    [InlineData("garbage-metadata", "cannot read the metadata beside the weights")]
    [InlineData("metadata-of-another-file", "describes another weights file (its SHA-256 differs")]
    public void A_bad_file_is_refused_with_one_line_and_leaves_no_run_folder(string kind, string expected)
    {
        using var dir = new TempDir();
        string file = dir.File(kind.Contains("safetensors") ? "weights.safetensors" : "weights.pt");
        string marker = dir.File("code-was-run");
        Make(kind, file, marker);

        var r = CliRunner.Run(dir.Path, ["import", file, "--runs-dir", dir.File("runs"), "--threads", "1"]);

        Assert.True(r.ExitCode == ExitCodes.Refused, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.StartsWith($"error: import: {file}", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.False(Directory.Exists(dir.File("runs")) && Directory.EnumerateFileSystemEntries(dir.File("runs")).Any(), "a run folder was left behind");
        Assert.False(File.Exists(marker), "the pickle's code ran");
    }

    [Fact]
    public void A_runs_folder_that_cannot_be_made_fails_with_exit_1_and_leaves_nothing()
    {
        using var dir = new TempDir();
        string file = dir.File("weights.pt");
        WeightsFiles.WritePt(file, WeightsFiles.StateDict());
        File.WriteAllText(dir.File("runs"), "a file where the runs folder should be");

        var r = CliRunner.Run(dir.Path, ["import", file, "--runs-dir", dir.File("runs"), "--threads", "1"]);

        Assert.True(r.ExitCode == ExitCodes.Failed, r.Stdout + r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: Cannot create the runs folder", r.Stderr);
        Assert.Equal("a file where the runs folder should be", File.ReadAllText(dir.File("runs")));
    }

    static void Make(string kind, string file, string marker)
    {
        var good = WeightsFiles.StateDict();
        switch (kind)
        {
            case "garbage":
                File.WriteAllBytes(file, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37 + 11)).ToArray());
                break;
            case "empty":
                File.WriteAllBytes(file, []);
                break;
            case "truncated-pt":
                WeightsFiles.WritePt(file, good);
                Truncate(file);
                break;
            case "truncated-safetensors":
                WeightsFiles.WriteSafetensors(file, good);
                Truncate(file);
                break;
            case "safetensors-huge-header":
                File.WriteAllBytes(file, [.. BitConverter.GetBytes(1UL << 60), .. "{\"fc1.weight\":{}}"u8]);
                break;
            case "safetensors-huge-shape":
                // PyBridge would allocate this shape (3 TB) before checking it against the bytes that follow.
                byte[] header = """{"fc1.weight":{"dtype":"F32","shape":[1000000000000,784],"data_offsets":[0,16]}}"""u8.ToArray();
                File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[16]]);
                break;
            case "legacy-pickle":
                File.WriteAllBytes(file, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
                break;
            case "pickle-list":
                WeightsFiles.WriteTorchZip(file, WeightsFiles.Pickle("(lp0\nI1\naI2\na."));
                break;
            case "pickle-calls-os-system":
                WeightsFiles.WriteTorchZip(file, WeightsFiles.Pickle($"cos\nsystem\n(S'touch {marker}'\ntR."));
                break;
            case "pickle-whole-module":
                // torch.save(model) pickles the module's parameters through torch._utils._rebuild_parameter.
                WeightsFiles.WriteTorchZip(file, WeightsFiles.Pickle("ctorch._utils\n_rebuild_parameter\n(I1\nI0\ntR."));
                break;
            case "pickle-huge-shape":
                var (pickle, storage) = WeightsFiles.OneTensorClaiming("fc1.bias", 70_000, int.MaxValue);
                WeightsFiles.WriteTorchZip(file, pickle, storage);
                break;
            case "no-data-pkl":
                using (var zip = System.IO.Compression.ZipFile.Open(file, System.IO.Compression.ZipArchiveMode.Create))
                    zip.CreateEntry("archive/readme.txt");
                break;
            case "unknown-tensor":
                good["fc7.weight"] = zeros(3, 3);
                WeightsFiles.WritePt(file, good);
                break;
            case "missing-tensor":
                good.Remove("fc6.bias");
                WeightsFiles.WritePt(file, good);
                break;
            case "wrong-shape":
                WeightsFiles.WritePt(file, WeightsFiles.StateDict(20, 10));
                break;
            case "int-tensor":
                good["fc2.bias"] = good["fc2.bias"].to(ScalarType.Int64);
                WeightsFiles.WritePt(file, good);
                break;
            case "nan-tensor":
                good["fc5.weight"][3, 4] = float.NaN;
                WeightsFiles.WritePt(file, good);
                break;
            case "float64-beyond-float32":
                good = good.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float64));
                good["fc1.bias"][0] = 1e300;
                WeightsFiles.WriteSafetensors(file, good);
                break;
            case "several-gigabytes":
                // Sparse: 3 GB that take no disk space and are never read.
                using (var stream = File.Create(file))
                    stream.SetLength(3L << 30);
                break;
            case "missing-file":
                break;
            case "folder":
                Directory.CreateDirectory(file);
                break;
            case "garbage-metadata":
                WeightsFiles.WritePt(file, good);
                File.WriteAllText(file + ".json", "{\"latent_dim\": \"thirty\"");
                break;
            case "metadata-of-another-file":
                WeightsFiles.WritePt(file, good);
                File.WriteAllText(file + ".json", MetadataOfAnotherFile());
                break;
            default:
                throw new ArgumentException(kind);
        }
        foreach (var tensor in good.Values)
            tensor.Dispose();
    }

    static void Truncate(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
    }

    static string MetadataOfAnotherFile() => """
        {
          "model": "VAE_gumbel", "format": "pt", "weights_file": "weights.pt", "weights_sha256": "00", "dtype": "float32",
          "tensors": {}, "latent_dim": 30, "categories": 10, "relu_on_logits": true, "estimator": "gumbel-softmax", "hard": false,
          "temperature": 1, "binarize": "none", "binarize_seed": null, "run": "elsewhere", "git_commit": null,
          "checkpoint": "checkpoint.bin", "epochs_completed": 1, "global_step": 3, "exporter_git_commit": null,
          "written_utc": "2026-01-01T00:00:00Z", "options": {}
        }
        """;
}
