using CategoricalVae.Common;

namespace CategoricalVae.Data;

/// <summary>The only error <see cref="IdxReader"/> lets escape: a file that is not valid MNIST IDX data.</summary>
public sealed class IdxFormatException : UserFacingException
{
    public IdxFormatException(string file, string problem) : base($"{file}: {problem}") { }
}
