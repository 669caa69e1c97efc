namespace CategoricalVae;

/// <summary>An error whose message is the whole story for the user: printed as one line, no stack trace.</summary>
public class UserFacingException : Exception
{
    public UserFacingException(string message, int exitCode = 1) : base(message) => ExitCode = exitCode;

    public UserFacingException(string message, Exception inner, int exitCode = 1) : base(message, inner) => ExitCode = exitCode;

    public int ExitCode { get; }
}
