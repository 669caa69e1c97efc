using CategoricalVae.Runs;

namespace CategoricalVae.Sweeps;

/// <summary>What a sweep needs of the training command line, which the command-line layer owns: each member is an
/// argument list that goes through exactly the parser and rules of `train`.</summary>
public interface ITrainArguments
{
    /// <summary>The option a --vary key names (its long name without dashes): its flag and whether it is a switch,
    /// or null when it is not a training option a sweep can vary.</summary>
    (string Flag, bool IsSwitch)? Varied(string key);

    /// <summary>The options of a complete argument list; a problem is a <see cref="Common.UserFacingException"/>.</summary>
    TrainOptions Parse(IReadOnlyList<string> args);

    /// <summary>The same text for two option sets that train the same run (values written differently, such as 1e-4
    /// and 1E-4, included).</summary>
    string RunIdentity(TrainOptions options);
}
