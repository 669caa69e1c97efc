namespace CategoricalVae.Common;

/// <summary>An error whose message is the whole story for the user: printed as one line, no stack trace.
/// <see cref="ExitCode"/> follows <see cref="ExitCodes"/>.</summary>
public class UserFacingException : Exception
{
    public UserFacingException(string message, int exitCode = ExitCodes.Failed) : base(message) => ExitCode = exitCode;

    public UserFacingException(string message, Exception inner, int exitCode = ExitCodes.Failed) : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }

    /// <summary>The request is refused before anything changed (exit 2).</summary>
    public static UserFacingException Refused(string message) => new(message, ExitCodes.Refused);
}
