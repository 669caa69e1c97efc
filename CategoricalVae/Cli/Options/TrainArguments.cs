using System.CommandLine;
using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;

namespace CategoricalVae.Cli.Options;

/// <summary>The training command line as a sweep sees it: <see cref="TrainOptionSet"/>'s options, parser and rules.</summary>
public sealed class TrainArguments(TrainOptionSet set) : ITrainArguments
{
    public (string Flag, bool IsSwitch)? Varied(string key) =>
        set.Find(key) is { Role: not ResumeRole.NewRunOnly } binding && key is not "threads" ? (binding.Name, binding.IsSwitch) : null;

    public TrainOptions Parse(IReadOnlyList<string> args)
    {
        var root = new RootCommand();
        foreach (var b in set.Bindings)
            root.Options.Add(b.Option);
        var parse = root.Parse(args.ToArray());
        if (parse.Errors.Count > 0)
            throw UserFacingException.Refused(ParseErrorText.Describe(parse.Errors[0]));
        var options = set.Read(parse);
        return options.Problem() is { } problem ? throw UserFacingException.Refused(problem) : options;
    }

    public string RunIdentity(TrainOptions options) =>
        string.Join(" ", set.Bindings.Where(b => b.Role == ResumeRole.DefinesRun).Select(b => $"{b.Name}={b.Show(options)}"));

    /// <summary>The training options given on <paramref name="parse"/>'s command line, except those of new runs only
    /// (a member's folder is the sweep's to choose).</summary>
    public SweepPlan.GivenOptions Given(ParseResult parse) => new(set.Read(parse),
        set.Given(parse).Where(b => b.Role != ResumeRole.NewRunOnly)
            .Select(b => (b.Key, (IReadOnlyList<string>)parse.GetResult(b.Option)!.Tokens.Select(t => t.Value).ToList())).ToList());
}
