using CategoricalVae.Runs;

namespace CategoricalVae.Tests;

/// <summary>
/// The test assembly's entry point, for tests that need several processes doing something at the same moment:
/// `dotnet CategoricalVae.Tests.dll claim-run-folder &lt;runs dir&gt; &lt;ticks&gt; &lt;go file&gt;` waits until the go file exists,
/// claims a run folder stamped with the given time, prints its path and keeps it locked until stdin closes.
/// </summary>
public static class ChildMain
{
    public static int Main(string[] args)
    {
        if (args is not ["claim-run-folder", var runsDir, var ticks, var goFile])
        {
            Console.Error.WriteLine("usage: claim-run-folder <runs dir> <ticks> <go file>");
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
