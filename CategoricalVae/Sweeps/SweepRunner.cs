using System.Diagnostics;
using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Training;

namespace CategoricalVae.Sweeps;

/// <summary>
/// Trains the unfinished members of a sweep, <see cref="SweepFile.Jobs"/> at a time, each an ordinary run started
/// (or continued from its checkpoint) through <see cref="RunLauncher"/>. A failing member is recorded and the others
/// go on; a stop request reaches every member, which checkpoints as a single run does. sweep.json is rewritten
/// (atomically) whenever a member starts or ends.
/// </summary>
public sealed class SweepRunner(RunLauncher launcher, AtomicWriter writer, Func<SweepMember, TrainOptions> optionsOf)
{
    public sealed record Outcome(int Done, int Failed, int Interrupted, int Total);

    readonly object _sync = new();

    /// <summary>Where progress lines go (one per member start and end).</summary>
    public Action<string> Say { get; init; } = _ => { };

    /// <summary>Draws the overall bar after each line (on a terminal).</summary>
    public bool ShowBar { get; init; }

    public Outcome Run(string sweepDir, SweepFile sweep, StopSignal stop)
    {
        var members = sweep.Members.ToList();
        var todo = new Queue<int>(Enumerable.Range(0, members.Count).Where(i => sweep.CurrentStatus(sweepDir, members[i]) != MemberStatus.Done));
        int total = members.Count, done = total - todo.Count, failed = 0, interrupted = 0, finishedHere = 0;
        var clock = Stopwatch.StartNew();
        if (done > 0)
            Say($"{done} of {total} members already complete; {todo.Count} to train");
        // Members already complete keep their status; those a scheduler finished get theirs recorded.
        for (int i = 0; i < members.Count; i++)
            if (!todo.Contains(i) && members[i].Status != MemberStatus.Done)
                members[i] = members[i] with { Status = MemberStatus.Done, Error = null };
        Save();

        void Save()
        {
            lock (_sync)
                (sweep with { Members = [.. members] }).Save(sweepDir, writer);
        }

        void Work()
        {
            while (!stop.Requested)
            {
                int index;
                lock (_sync)
                {
                    if (todo.Count == 0) return;
                    index = todo.Dequeue();
                    members[index] = members[index] with { Status = MemberStatus.Running, StartedUtc = DateTime.UtcNow, FinishedUtc = null, Error = null };
                }
                Save();
                var member = members[index];
                Say($"start  {member.Folder}");
                var started = Stopwatch.StartNew();
                SweepMember ended;
                try
                {
                    var result = Train(sweepDir, member, stop);
                    ended = result.Outcome switch
                    {
                        TrainingOutcome.Completed => member with { Status = MemberStatus.Done, FinalTestLoss = result.LastEpoch?.TestLoss },
                        TrainingOutcome.Interrupted => member with { Status = MemberStatus.Pending },
                        TrainingOutcome.NumericalFault => member with { Status = MemberStatus.Failed, Error = "the loss or the gradients became NaN or infinite (the member's train.log says where)" },
                        var other => member with { Status = MemberStatus.Failed, Error = $"training ended: {other}" },
                    };
                }
                catch (Exception e)
                {
                    ended = member with { Status = MemberStatus.Failed, Error = e.Message.Split('\n')[0].Trim() };
                }
                ended = ended with { FinishedUtc = DateTime.UtcNow };
                string line;
                lock (_sync)
                {
                    members[index] = ended;
                    switch (ended.Status)
                    {
                        case MemberStatus.Done: done++; finishedHere++; break;
                        case MemberStatus.Failed: failed++; finishedHere++; break;
                        default: interrupted++; break;
                    }
                    line = ended.Status switch
                    {
                        MemberStatus.Done => $"done   {member.Folder}  final test loss {ended.FinalTestLoss?.ToString("F2", CultureInfo.InvariantCulture) ?? "-"}  ({started.Elapsed.TotalSeconds:F0} s)",
                        MemberStatus.Failed => $"failed {member.Folder}: {ended.Error}",
                        _ => $"stopped {member.Folder} (checkpointed; sweep --resume continues it)",
                    };
                    if (ShowBar)
                        line += "\n" + Bar(done + failed, total, clock.Elapsed, finishedHere, todo.Count + 0);
                }
                Save();
                Say(line);
            }
        }

        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(sweep.Jobs, todo.Count))).Select(_ => new Thread(Work) { IsBackground = false }).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        // Members never started because of a stop stay pending.
        interrupted += todo.Count;
        return new Outcome(done, failed, interrupted, total);
    }

    RunResult Train(string sweepDir, SweepMember member, StopSignal stop)
    {
        string folder = Path.Combine(sweepDir, member.Folder);
        var options = optionsOf(member);
        if (File.Exists(new RunLayout(folder).ConfigFile))
            // force: a member killed before its first checkpoint restarts in place; a damaged one is repaired. It trains
            // the epochs the sweep planned, or the more it was given by a --resume of its own.
            return launcher.Resume(folder, saved => saved with { Epochs = Math.Max(saved.Epochs, options.Epochs), Threads = options.Threads, DataDir = options.DataDir, Offline = options.Offline, Device = options.Device }, force: true, stop);
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true); // killed between creating the folder and writing config.json: nothing in it
        return launcher.StartIn(folder, options, stop);
    }

    static string Bar(int finished, int total, TimeSpan elapsed, int finishedHere, int waiting)
    {
        const int Width = 30;
        int filled = total == 0 ? Width : finished * Width / total;
        string eta = finishedHere > 0 && total > finished
            ? $", ETA {TimeSpan.FromSeconds(elapsed.TotalSeconds / finishedHere * (total - finished)):hh\\:mm\\:ss}"
            : "";
        return $"[{new string('#', filled)}{new string('.', Width - filled)}] {finished}/{total} members{eta}";
    }
}
