using CategoricalVae.Cli;
using CategoricalVae.Common;
using CategoricalVae.Native;
using CategoricalVae.Training;

// Native settings first: both must be in place before libtorch loads.
MallocTuning.Apply();
OpenMpSpin.Apply();

// The guarantee tests make rare events happen through these variables; in normal use none is set.
var faults = ScriptedFaults.From(
    pauseInWrite: Environment.GetEnvironmentVariable(FaultVariables.PauseInWrite),
    failWrite: Environment.GetEnvironmentVariable(FaultVariables.FailWrite),
    nanLossAtStep: Environment.GetEnvironmentVariable(FaultVariables.NanLossAtStep),
    nanGradientAtStep: Environment.GetEnvironmentVariable(FaultVariables.NanGradientAtStep),
    stopAfterStep: Environment.GetEnvironmentVariable(FaultVariables.StopAfterStep));
ITrainingObserver[] observers = RssProbe.Parse(Environment.GetEnvironmentVariable(FaultVariables.LogRssAtSteps)) is { } probe ? [probe] : [];
PassDecorator? decorate = faults is NoFaults ? null : (pass, globalStep) => new FaultInjectingPass(pass, faults, globalStep);

return await CliApp.RunAsync(args, new CliServices(faults, observers, decorate: decorate));
