using CategoricalVae.Runs;

namespace CategoricalVae.Tests;

/// <summary>
/// The test assembly's entry point, for tests that need a process of their own:
/// `dotnet CategoricalVae.Tests.dll claim-run-folder &lt;runs dir&gt; &lt;ticks&gt; &lt;go file&gt;` waits until the go file exists,
/// claims a run folder stamped with the given time, prints its path and keeps it locked until stdin closes;
/// `dotnet CategoricalVae.Tests.dll as-other-platform &lt;app arguments…&gt;` runs the app as it runs where libtorch exports
/// neither libgomp's GOMP_parallel nor MKL's products (Windows, macOS) and without the Linux-only malloc and OpenMP
/// spin settings.
/// </summary>
public static class ChildMain
{
    /// <summary>What Windows' and macOS's libtorch do not export.</summary>
    public static readonly string[] OtherPlatformMissing = ["GOMP_parallel", "sgemm_", "gemm_bf16bf16f32", "MKL_Set_Num_Threads_Local"];

    public static int Main(string[] args)
    {
        if (args is ["as-other-platform", .. var appArgs])
        {
            CategoricalVae.Native.TorchExports.Hidden = OtherPlatformMissing.ToHashSet();
            return CategoricalVae.Cli.CliApp.RunAsync(appArgs, new CategoricalVae.Cli.CliServices(CategoricalVae.Common.NoFaults.Instance, [])).GetAwaiter().GetResult();
        }
        if (args is not ["claim-run-folder", var runsDir, var ticks, var goFile])
        {
            Console.Error.WriteLine("usage: claim-run-folder <runs dir> <ticks> <go file> | as-other-platform <app arguments…>");
            return 2;
        }
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        while (!File.Exists(goFile))
            Thread.SpinWait(1000);
        var held = new List<RunDirectory>();
        for (int i = 0; i < 50; i++) held.Add(RunDirectory.Create(runsDir, "soft", null, new DateTime(long.Parse(ticks))));
        foreach (var run in held) Console.Out.WriteLine(run.Path);
        Console.Out.Flush();
        Console.In.ReadToEnd(); // hold the lock until the test lets go
        return 0;
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "CategoricalVae.Tests.dll");
}
