namespace CategoricalVae.Model.Estimators;

/// <summary>The estimator object for each <see cref="GradientEstimator"/>, and their names.</summary>
public static class GradientEstimators
{
    public static IGradientEstimator For(GradientEstimator kind, EstimatorSettings? settings = null) => kind switch
    {
        GradientEstimator.GumbelSoftmax => new GumbelSoftmaxEstimator(),
        GradientEstimator.StGumbelSoftmax => new StGumbelSoftmaxEstimator(),
        GradientEstimator.StraightThrough => new StraightThroughEstimator(),
        GradientEstimator.ScoreFunction => new ScoreFunctionEstimator(),
        GradientEstimator.Softmax => new SoftmaxEstimator(),
        GradientEstimator.Argmax => new ArgmaxEstimator(),
        GradientEstimator.Reinmax => new ReinmaxEstimator(),
        GradientEstimator.GumbelRao => new GumbelRaoEstimator((settings ?? EstimatorSettings.Defaults).RaoSamples),
        GradientEstimator.Rloo => new RlooEstimator((settings ?? EstimatorSettings.Defaults).RlooSamples),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Every estimator, in the order tables list them.</summary>
    public static readonly GradientEstimator[] All = Enum.GetValues<GradientEstimator>();

    /// <summary>The name users type: gumbel-softmax, st-gumbel-softmax, straight-through, …</summary>
    public static string Name(GradientEstimator kind) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    public static GradientEstimator? Parse(string name) =>
        All.Cast<GradientEstimator?>().FirstOrDefault(k => Name(k!.Value) == name.Trim().ToLowerInvariant());

    /// <summary>The run-folder label: soft and hard for the source's two modes (as folders always were), else the name.</summary>
    public static string FolderLabel(GradientEstimator kind) => kind switch
    {
        GradientEstimator.GumbelSoftmax => "soft",
        GradientEstimator.StGumbelSoftmax => "hard",
        _ => Name(kind),
    };
}
