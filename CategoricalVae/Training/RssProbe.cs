using System.Globalization;

namespace CategoricalVae.Training;

/// <summary>Prints the process's resident memory after chosen global steps (for the long-run memory test).</summary>
public sealed class RssProbe(IReadOnlySet<long> steps) : ITrainingObserver
{
    /// <summary>From a comma-separated list of steps; null when the list is empty or unreadable.</summary>
    public static RssProbe? Parse(string? steps)
    {
        var set = new HashSet<long>();
        foreach (string part in (steps ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long step))
                set.Add(step);
        return set.Count == 0 ? null : new RssProbe(set);
    }

    public void BatchDone(BatchReport batch)
    {
        if (steps.Contains(batch.StepsDone))
            Console.Out.WriteLine($"RSS after step {batch.StepsDone}: {Environment.WorkingSet / 1024} kB");
    }
}
