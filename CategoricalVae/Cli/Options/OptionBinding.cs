using System.CommandLine;
using CategoricalVae.Runs;

namespace CategoricalVae.Cli.Options;

/// <summary>One training option of the command line and the <see cref="TrainOptions"/> property it sets.</summary>
public sealed class OptionBinding
{
    public required Option Option { get; init; }
    public required ResumeRole Role { get; init; }

    /// <summary>The options with this option's value from the command line (only if it was given).</summary>
    public required Func<ParseResult, TrainOptions, TrainOptions> ApplyGiven { get; init; }

    /// <summary>Copies this option's property from the first options onto the second.</summary>
    public required Func<TrainOptions, TrainOptions, TrainOptions> Copy { get; init; }

    /// <summary>The property's value as a user would write it on the command line.</summary>
    public required Func<TrainOptions, string> Show { get; init; }

    public string Name => Option.Name;

    /// <summary>The long name without dashes, as `sweep --vary` takes it.</summary>
    public string Key => Option.Name.TrimStart('-');

    public bool IsSwitch => Option is Option<bool>;

    public bool WasGiven(ParseResult parse) => parse.GetResult(Option) is { Implicit: false };
}
