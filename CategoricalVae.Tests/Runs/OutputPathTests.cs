using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Runs;

/// <summary>Where a command may write its result: never over a file a run or sweep owns (other than the command's own
/// output), never into a folder, a system folder or a place that takes no file; checked before any work.</summary>
[Trait("Category", Category.Unit)]
public class OutputPathTests
{
    static string Refused(string path, string? own = null, IEnumerable<string>? inputs = null)
    {
        var e = Assert.Throws<UserFacingException>(() => OutputPath.Check("--out", path, own, inputs));
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        Assert.DoesNotContain("\n", e.Message);
        return e.Message;
    }

    static string Run(TempDir dir)
    {
        var sweep = new HandMadeSweep(dir.File("sweep"), [HandMadeSweep.Member(false, 1)]);
        return sweep.Train(sweep.Sweep.Members[0], 1, 100);
    }

    [Fact]
    public void Every_file_a_run_or_sweep_owns_is_refused_and_the_commands_own_output_is_not()
    {
        using var dir = new TempDir();
        string run = Run(dir);
        var layout = new RunLayout(run);
        string[] owned =
        [
            layout.ConfigFile, layout.MetricsFile, layout.LogFile, layout.CheckpointFile, layout.LossPlotFile, layout.LockFile, layout.EvaluationFile,
            layout.LatentsFile, layout.GradientVarianceFile, layout.KeptCheckpoint(10), layout.TrainReconstruction(3), layout.TestReconstruction(3),
            layout.PriorSamples(12), layout.LatentUsage(1), layout.Traversal(100), Path.Combine(run, RunLayout.TensorBoardPrefix + "123.host"),
            RunLayout.Damaged(layout.MetricsFile), RunLayout.Damaged(layout.CheckpointFile) + "-2", layout.CheckpointFile + ".tmp",
            layout.ExportFile(RunLayout.PytorchExtension), RunLayout.ExportMetadataFile(layout.ExportFile(RunLayout.SafetensorsExtension, 10)),
        ];
        foreach (string file in owned)
            Assert.Contains($"is the run's own {Path.GetFileName(file)}", Refused(file));
        // Through a relative path with '..' too.
        Assert.Contains("is the run's own metrics.csv", Refused(Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(run, "..", Path.GetFileName(run), "metrics.csv"))));
        foreach (string name in new[] { SweepLayout.SweepFileName, SweepLayout.CommandsName, SweepLayout.SlurmScriptName, SweepLayout.LockName })
            Assert.Contains($"is the sweep's own {name}", Refused(Path.Combine(dir.File("sweep"), name)));

        // evaluate's own evaluation.json in the run it evaluates; other names in a run folder; run-file names elsewhere.
        Assert.Equal(layout.EvaluationFile, OutputPath.Check("--out", layout.EvaluationFile, ownOutput: layout.EvaluationFile).FullPath);
        OutputPath.Check("--out", Path.Combine(run, "evaluation-m5000.json"));
        OutputPath.Check("--out", Path.Combine(run, "another-model.pt"));
        OutputPath.Check("--csv", dir.File("metrics.csv"));
        OutputPath.Check("--out", Path.Combine(dir.File("sweep"), "compare.png"));
        // A command's input is not its output either.
        Assert.Contains("which this command reads", Refused(dir.File("my.bin"), inputs: [dir.File("my.bin")]));
    }

    [Fact]
    public void Empty_folder_system_and_unwritable_paths_are_refused_before_the_work()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a-file"), "x");
        foreach (var (path, expected) in new (string, string)[]
                 {
                     ("", "needs a file name"), ("  ", "needs a file name"), ("a\nb.json", "control character"),
                     ("/", "is a folder"), (dir.Path, "is a folder"), (dir.Path + "/", "is a folder"), (dir.File("new-folder") + "/", "is a folder"),
                     ("/proc/x.json", "is in /proc"), ("/proc/self/status", "is in /proc"), ("/sys/x", "is in /sys"), ("/dev/null", "is in /dev"),
                     (dir.File("a-file/x.json"), "is a file, not a folder"),
                 })
            Assert.Contains(expected, Refused(path));
        // A folder that does not exist yet is made when the result is written.
        var deep = OutputPath.Check("--out", dir.File("new/deeper/out.json"));
        Assert.False(Directory.Exists(dir.File("new")));
        Assert.True(deep.TryWrite(AtomicWriter.Plain, "{}", out _));
        Assert.Equal("{}", File.ReadAllText(dir.File("new/deeper/out.json")));
        Assert.Empty(Directory.GetFiles(dir.Path, ".categoricalvae-probe-*"));
    }
}
