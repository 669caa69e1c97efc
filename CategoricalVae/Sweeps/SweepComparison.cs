using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>
/// What `compare &lt;sweep&gt;` puts side by side: the complete members grouped by configuration, every one cut at
/// the same epoch (the fewest that all have: a member extended with --resume is compared where the others stopped),
/// and their evaluation figures kept only when every member was evaluated alike (at that epoch, on the same test
/// images and pixels, with the same number of samples), else the table ranks by the final loss. Every member that
/// differs is named in a note.
/// </summary>
public sealed class SweepComparison
{
    SweepComparison(IReadOnlyList<SweepGroup> groups, IReadOnlyList<string> notes, IReadOnlyList<string> incomplete, int epoch) =>
        (Groups, Notes, Incomplete, Epoch) = (groups, notes, incomplete, epoch);

    public IReadOnlyList<SweepGroup> Groups { get; }

    /// <summary>What the reader must know before reading the table: members compared short of their last epoch,
    /// evaluations left out and why, members that could not be read.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Members left out because they are not complete.</summary>
    public IReadOnlyList<string> Incomplete { get; }

    /// <summary>The epoch every member is compared at.</summary>
    public int Epoch { get; }

    /// <summary>Reads the members of <paramref name="sweep"/>; <paramref name="stopRequested"/> is asked between members.
    /// A sweep with no complete member is refused (exit 2): there is nothing to compare.</summary>
    public static SweepComparison Of(CheckedSweep sweep, CompareMetric metric, Func<bool> stopRequested)
    {
        var notes = new List<string>();
        var incomplete = new List<string>();
        var complete = new List<(SweepMember Member, RunSummary Summary)>();
        foreach (var member in sweep.Sweep.Members)
        {
            if (stopRequested())
                throw new OperationCanceledException();
            string folder = sweep.MemberFolder(member);
            if (sweep.Sweep.CurrentStatus(sweep.Folder, member) != MemberStatus.Done)
                incomplete.Add(member.Folder);
            else if (RunSummary.Load(folder) is { } summary)
                complete.Add((member, summary));
            else
                notes.Add($"{member.Folder} could not be read and is left out.");
        }
        if (complete.Count == 0)
            throw UserFacingException.Refused(
                $"no member of {sweep.Folder} is complete yet ({incomplete.Count} of {sweep.Sweep.Members.Count} not finished); sweep --resume {sweep.Folder} trains them.");

        if (incomplete.Count > 0)
            notes.Add($"{incomplete.Count} of {sweep.Sweep.Members.Count} members are not complete and are left out " +
                $"({string.Join(", ", incomplete)}; sweep --resume {sweep.Folder} finishes them).");
        int epoch = complete.Min(c => c.Summary.EpochsDone);
        var longer = complete.Where(c => c.Summary.EpochsDone > epoch).Select(c => $"{c.Member.Folder} ({c.Summary.EpochsDone})").ToList();
        if (longer.Count > 0)
            notes.Add($"every member is compared at epoch {epoch}, the fewest all have; these have more: {string.Join(", ", longer)}.");

        bool evaluated = EvaluatedAlike(complete, epoch, notes);
        var groups = complete.GroupBy(c => c.Member.Configuration)
            .Select(g => new SweepGroup(g.Key, g.Select(c => c.Summary with
            {
                Rows = c.Summary.Rows.Where(r => r.Epoch <= epoch).ToList(),
                Evaluation = evaluated ? c.Summary.Evaluation : null,
            }).ToList(), metric))
            .ToList();
        return new SweepComparison(groups, notes, incomplete, epoch);
    }

    /// <summary>True when every member has an evaluation of <paramref name="epoch"/> made the same way; otherwise a
    /// note names the members that stand out (none when no member was evaluated at all).</summary>
    static bool EvaluatedAlike(List<(SweepMember Member, RunSummary Summary)> members, int epoch, List<string> notes)
    {
        var unevaluated = members.Where(m => m.Summary.Evaluation == null).Select(m => m.Member.Folder).ToList();
        if (unevaluated.Count == members.Count)
            return false;
        if (unevaluated.Count > 0)
        {
            notes.Add($"not ranked by the discrete −ELBO: {string.Join(", ", unevaluated)} {(unevaluated.Count == 1 ? "has" : "have")} no current {RunLayout.EvaluationName} (run evaluate on {(unevaluated.Count == 1 ? "it" : "them")}).");
            return false;
        }
        // The way most members were evaluated is the yardstick; the others are named with theirs.
        var ways = members.GroupBy(m => How(m.Summary.Evaluation!)).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        string usual = ways[0].Key;
        bool atEpoch = members.All(m => m.Summary.Evaluation!.EpochsCompleted == epoch);
        if (ways.Count == 1 && atEpoch)
            return true;
        var odd = members.Where(m => How(m.Summary.Evaluation!) != usual || (ways.Count == 1 && m.Summary.Evaluation!.EpochsCompleted != epoch))
            .Select(m => $"{m.Member.Folder} ({How(m.Summary.Evaluation!)})");
        notes.Add(ways.Count == 1
            ? $"not ranked by the discrete −ELBO: the evaluations are not of epoch {epoch}, where the members are compared: {string.Join(", ", odd)}."
            : $"not ranked by the discrete −ELBO: members evaluated differently from the others ({usual}): {string.Join(", ", odd)}.");
        return false;
    }

    /// <summary>How a member was evaluated, in words that show what must match.</summary>
    static string How(EvaluationReport e) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {e.EpochsCompleted}, m={e.Samples}, {e.TestExamples} test images, {(e.Likelihood == "bernoulli" ? "binarised" : "grey")} pixels");
}
