namespace CategoricalVae.Training;

public enum TrainingOutcome
{
    Completed,
    Interrupted,
    NumericalFault,
}
