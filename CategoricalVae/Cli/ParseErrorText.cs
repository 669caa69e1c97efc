using System.CommandLine.Parsing;

namespace CategoricalVae.Cli;

/// <summary>A parse error as one line that names the option it is about.</summary>
public static class ParseErrorText
{
    public static string Describe(ParseError error)
    {
        string message = error.Message.ReplaceLineEndings(" ").Trim();
        if (error.SymbolResult is OptionResult option)
        {
            string name = option.Option.Name;
            if (option.Tokens.Count > 1 && !message.StartsWith(name, StringComparison.Ordinal))
                return $"{name} was given {option.Tokens.Count} times; give it once.";
            if (!message.Contains(name, StringComparison.Ordinal))
                return $"{name}: {message}";
        }
        return message;
    }
}
