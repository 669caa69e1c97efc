using System.CommandLine;
using System.Globalization;
using CategoricalVae.Common;
using CategoricalVae.Data;
using CategoricalVae.Model;
using CategoricalVae.Model.Estimators;
using CategoricalVae.Runs;

namespace CategoricalVae.Cli.Options;

/// <summary>
/// The training options of the command line, each declared once here with its <see cref="TrainOptions"/>
/// property, its default taken from <see cref="TrainOptions.Defaults"/> and its role on --resume. Values are
/// checked by <see cref="TrainOptions.Problem"/>, the same rules a resumed run's config.json goes through.
/// </summary>
public sealed class TrainOptionSet
{
    readonly List<OptionBinding> _bindings = [];

    public TrainOptionSet()
    {
        Add(OptionValues.Int("--epochs", "Epochs to train (with --resume: the new total)"), o => o.Epochs, (o, v) => o with { Epochs = v }, ResumeRole.Total, Int);
        Add(OptionValues.Int("--batch-size", "Examples per batch; the last partial batch is kept"), o => o.BatchSize, (o, v) => o with { BatchSize = v }, ResumeRole.DefinesRun, Int);
        Add(OptionValues.Double("--lr", "Adam learning rate"), o => o.LearningRate, (o, v) => o with { LearningRate = v }, ResumeRole.DefinesRun, Real);
        Add(OptionValues.Choice("--estimator", "How the encoder's gradient gets through the categorical sample", GradientEstimators.All.Select(GradientEstimators.Name).ToArray()),
            o => GradientEstimators.Name(o.Estimator), (o, v) => o with { Estimator = GradientEstimators.Parse(v)!.Value }, ResumeRole.DefinesRun, s => s);
        Add(OptionValues.Int("--rao-samples", "gumbel-rao: conditional Gumbel draws averaged per sample"), o => o.RaoSamples, (o, v) => o with { RaoSamples = v }, ResumeRole.DefinesRun, Int);
        Add(OptionValues.Int("--rloo-samples", "rloo: samples per example (at least 2)"), o => o.RlooSamples, (o, v) => o with { RlooSamples = v }, ResumeRole.DefinesRun, Int);
        Add(OptionValues.Switch("--hard", "Same as --estimator st-gumbel-softmax (straight-through one-hot samples)"), o => o.Hard, (o, v) => o with { Hard = v }, ResumeRole.DefinesRun, OnOff);
        Add(OptionValues.Double("--temperature", "Initial Gumbel-Softmax temperature τ0"), o => o.Temperature, (o, v) => o with { Temperature = v }, ResumeRole.DefinesRun, Real);
        Add(OptionValues.Double("--temp-min", $"Lowest temperature of the annealing (at least {TrainOptions.MinTemperature})"), o => o.TempMin, (o, v) => o with { TempMin = v }, ResumeRole.DefinesRun, Real);
        Add(OptionValues.Double("--anneal-rate", "Exponential annealing rate per step"), o => o.AnnealRate, (o, v) => o with { AnnealRate = v }, ResumeRole.DefinesRun, Real);
        Add(OptionValues.Int("--anneal-every", "Re-evaluate τ every N steps (global schedule)"), o => o.AnnealEvery, (o, v) => o with { AnnealEvery = v }, ResumeRole.DefinesRun, Int);
        Add(OptionValues.Choice("--anneal-schedule", "global: τ from the global step; seed: the source script's per-epoch schedule", Names<AnnealSchedule>()),
            o => Name(o.AnnealSchedule), (o, v) => o with { AnnealSchedule = Parse<AnnealSchedule>(v) }, ResumeRole.DefinesRun, s => s);
        Add(OptionValues.Int("--latent-dim", "Number of categorical latent variables"), o => o.LatentDim, (o, v) => o with { LatentDim = v }, ResumeRole.DefinesRun, Int);
        Add(OptionValues.Int("--categories", "Categories per latent variable"), o => o.Categories, (o, v) => o with { Categories = v }, ResumeRole.DefinesRun, Int);
        Add(OptionValues.Switch("--no-logit-relu", "Drop the source's ReLU on the encoder logits"), o => !o.ReluOnLogits, (o, v) => o with { ReluOnLogits = !v }, ResumeRole.DefinesRun, OnOff);
        Add(OptionValues.Long("--seed", "Seed of every random draw"), o => o.Seed, (o, v) => o with { Seed = v }, ResumeRole.DefinesRun, Long);
        Add(OptionValues.Choice("--binarize", "none: grey levels (the source); fixed: binarise once from a seeded draw (the paper); dynamic: re-draw every training batch", Names<Binarization>()),
            o => Name(o.Binarize), (o, v) => o with { Binarize = Parse<Binarization>(v) }, ResumeRole.DefinesRun, s => s);
        Add(OptionValues.OptionalLong("--binarize-seed", "Seed of the binarisation thresholds (default: --seed); recorded in config.json"),
            o => o.BinarizeSeed, (o, v) => o with { BinarizeSeed = v }, ResumeRole.DefinesRun, v => v?.ToString(CultureInfo.InvariantCulture) ?? "none", hasDefault: false);
        Add(OptionValues.OptionalInt("--train-limit", "Use only the first N training examples"), o => o.TrainLimit, (o, v) => o with { TrainLimit = v }, ResumeRole.DefinesRun, Limit, hasDefault: false);
        Add(OptionValues.OptionalInt("--test-limit", "Use only the first N test examples"), o => o.TestLimit, (o, v) => o with { TestLimit = v }, ResumeRole.DefinesRun, Limit, hasDefault: false);
        Add(OptionValues.OptionalText("--keep-checkpoints", "Also keep the checkpoints of these epochs, as checkpoint-epoch-N.bin (0: the untrained model); evaluate and gradvar take --checkpoint N", "n,n,…"),
            o => o.KeepCheckpoints, (o, v) => o with { KeepCheckpoints = v }, ResumeRole.Total, s => s ?? "none", hasDefault: false);
        Add(OptionValues.Switch("--no-tensorboard", "Do not write TensorBoard event files"), o => !o.TensorBoard, (o, v) => o with { TensorBoard = !v }, ResumeRole.DefinesRun, OnOff);
        Add(OptionValues.Int("--log-interval", "Log a training line every N batches"), o => o.LogInterval, (o, v) => o with { LogInterval = v }, ResumeRole.Session, Int);
        Add(OptionValues.Switch("--stock-adam", "Use TorchSharp's stock Adam step instead of the fused one (same results to rounding, slower; for checking)"),
            o => o.StockAdam, (o, v) => o with { StockAdam = v }, ResumeRole.Session, OnOff);
        Add(OptionValues.Choice("--precision", "Matrix products of the training step: fp32, or bf16 (bfloat16 operands, float32 accumulation; needs bfloat16 dot products in the processor)", Names<Precision>()),
            o => Name(o.Precision), (o, v) => o with { Precision = Parse<Precision>(v) }, ResumeRole.DefinesRun, s => s);
        Add(OptionValues.Switch("--emulate-bf16", "With --precision bf16 on a processor without bfloat16 dot products: train anyway, with MKL emulating them (same arithmetic, slower; for checking accuracy)"),
            o => o.EmulateBf16, (o, v) => o with { EmulateBf16 = v }, ResumeRole.Session, OnOff);
        Add(OptionValues.Switch("--autograd", "Train through TorchSharp's autograd graph instead of the fused CPU pass (the reference; slower, last bits of the losses differ)"),
            o => o.UsesAutograd, (o, v) => o with { Autograd = v }, ResumeRole.DefinesRun, OnOff);
        Add(SessionOptions.Device(), o => o.Device, (o, v) => o with { Device = v }, ResumeRole.Session, s => s, hasDefault: false);
        Add(SessionOptions.Threads(), o => o.Threads, (o, v) => o with { Threads = v }, ResumeRole.Session, Int, hasDefault: false);
        Add(SessionOptions.DataDir(), o => o.DataDir, (o, v) => o with { DataDir = v }, ResumeRole.Session, s => s, hasDefault: false);
        Add(SessionOptions.Offline(), o => o.Offline, (o, v) => o with { Offline = v }, ResumeRole.Session, OnOff);
        Add(OptionValues.Text("--runs-dir", "Folder that receives run folders", "folder"), o => o.RunsDir, (o, v) => o with { RunsDir = v }, ResumeRole.NewRunOnly, s => s);
        Add(OptionValues.OptionalText("--name", $"Label appended to the run folder name ({RunName.Rule})", "label"),
            o => o.Name, (o, v) => o with { Name = v }, ResumeRole.NewRunOnly, s => s ?? "", hasDefault: false);
    }

    public IReadOnlyList<OptionBinding> Bindings => _bindings;

    public OptionBinding? Find(string key) => _bindings.FirstOrDefault(b => b.Key == key);

    public OptionBinding this[string name] => _bindings.Single(b => b.Name == name);

    /// <summary>The bindings whose option was given on the command line.</summary>
    public IEnumerable<OptionBinding> Given(ParseResult parse) => _bindings.Where(b => b.WasGiven(parse));

    /// <summary>The options of a new run: the defaults (or <paramref name="start"/>) with everything given on the command line.</summary>
    public TrainOptions Read(ParseResult parse, TrainOptions? start = null)
    {
        var options = Given(parse).Aggregate(start ?? TrainOptions.Defaults, (o, b) => b.ApplyGiven(parse, o));
        var estimator = this["--estimator"];
        var hard = this["--hard"];
        // --hard is an alias; said together with a different --estimator, one of the two would be ignored.
        var named = estimator.ApplyGiven(parse, TrainOptions.Defaults);
        if (estimator.WasGiven(parse) && hard.WasGiven(parse) && hard.ApplyGiven(parse, named).Estimator != named.Estimator)
            throw UserFacingException.Refused(hard.ApplyGiven(parse, TrainOptions.Defaults).Hard
                ? $"--hard contradicts --estimator {estimator.Show(named)}; --hard means --estimator st-gumbel-softmax, give one of them."
                : $"--hard false contradicts --estimator {estimator.Show(named)}; leave out --hard.");
        return options;
    }

    /// <summary>The options to resume a run with: its stored ones; session settings as given now (or today's
    /// defaults); --epochs if given. A run-defining option given with another value is refused, as is an option
    /// that only makes sense for a new run.</summary>
    public TrainOptions ForResume(ParseResult parse, TrainOptions saved)
    {
        TrainOptions now = Read(parse), merged = saved;
        foreach (var b in _bindings)
        {
            bool given = b.WasGiven(parse);
            switch (b.Role)
            {
                case ResumeRole.DefinesRun when given:
                    string wanted = b.Show(b.ApplyGiven(parse, saved)), has = b.Show(saved);
                    if (wanted != has)
                        throw UserFacingException.Refused(
                            $"--resume: this run has {b.Name} {has} (config.json), not {wanted}; start a new run to change it.");
                    break;
                case ResumeRole.Session:
                    merged = b.Copy(now, merged);
                    break;
                case ResumeRole.Total when given:
                    merged = b.ApplyGiven(parse, merged);
                    break;
                case ResumeRole.NewRunOnly when given:
                    throw UserFacingException.Refused($"{b.Name} applies to new runs only; a resumed run stays in its folder.");
            }
        }
        return merged;
    }

    void Add<T>(Option<T> option, Func<TrainOptions, T> get, Func<TrainOptions, T, TrainOptions> set, ResumeRole role, Func<T, string> show, bool hasDefault = true)
    {
        if (hasDefault && option is not Option<bool>)
            option.DefaultValueFactory = _ => get(TrainOptions.Defaults);
        _bindings.Add(new OptionBinding
        {
            Option = option,
            Role = role,
            ApplyGiven = (parse, o) => parse.GetResult(option) is { Implicit: false } ? set(o, parse.GetValue(option)!) : o,
            Copy = (from, to) => set(to, get(from)),
            Show = o => show(get(o)),
        });
    }

    static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
    static string Long(long v) => v.ToString(CultureInfo.InvariantCulture);
    static string Real(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    static string OnOff(bool v) => v ? "on" : "off";
    static string Limit(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "all";

    public static string[] Names<T>() where T : struct, Enum => Enum.GetNames<T>().Select(n => n.ToLowerInvariant()).ToArray();
    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
    static T Parse<T>(string name) where T : struct, Enum => Enum.Parse<T>(name, ignoreCase: true);
}
