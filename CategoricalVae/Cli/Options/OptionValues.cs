using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CategoricalVae.Cli.Options;

/// <summary>
/// Option factories whose parse errors name the option and say what it expects in words ("a whole number"),
/// never a .NET type name, and which accept numbers in the invariant culture only (1e-3, not 1,0).
/// </summary>
public static class OptionValues
{
    const string WholeNumber = "a whole number", RealNumber = "a number such as 0.5 or 1e-3";

    public static Option<int> Int(string name, string description) =>
        new(name) { Description = description, HelpName = "n", CustomParser = r => Parse<int>(r, name, WholeNumber, TryInt).Value };

    public static Option<int?> OptionalInt(string name, string description) =>
        new(name) { Description = description, HelpName = "n", CustomParser = r => Parse<int>(r, name, WholeNumber, TryInt) is var (ok, v) && ok ? v : null };

    public static Option<long> Long(string name, string description) =>
        new(name) { Description = description, HelpName = "n", CustomParser = r => Parse<long>(r, name, WholeNumber, TryLong).Value };

    public static Option<long?> OptionalLong(string name, string description) =>
        new(name) { Description = description, HelpName = "n", CustomParser = r => Parse<long>(r, name, WholeNumber, TryLong) is var (ok, v) && ok ? v : null };

    public static Option<double> Double(string name, string description) =>
        new(name) { Description = description, HelpName = "x", CustomParser = r => Parse<double>(r, name, RealNumber, TryDouble).Value };

    public static Option<string> Choice(string name, string description, IReadOnlyList<string> choices) =>
        new(name)
        {
            Description = description,
            HelpName = string.Join("|", choices),
            CustomParser = r => Parse(r, name, "one of " + string.Join(", ", choices), (string t, out string v) =>
            {
                v = choices.FirstOrDefault(c => string.Equals(c, t, StringComparison.OrdinalIgnoreCase)) ?? "";
                return v.Length > 0;
            }).Value,
        };

    public static Option<string> Text(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, CustomParser = r => Parse<string>(r, name, helpName, TryText).Value };

    public static Option<string?> OptionalText(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, CustomParser = r => Parse<string>(r, name, helpName, TryText) is var (ok, v) && ok ? v : null };

    public static Option<bool> Switch(string name, string description) => new(name) { Description = description };

    delegate bool TryParse<T>(string token, out T value);

    static (bool Ok, T Value) Parse<T>(ArgumentResult result, string name, string expected, TryParse<T> parse)
    {
        if (result.Tokens.Count != 1)
        {
            result.AddError(result.Tokens.Count == 0
                ? $"{name} needs a value ({expected})."
                : $"{name} was given {result.Tokens.Count} times; give it once.");
            return (false, default!);
        }
        string token = result.Tokens[0].Value;
        if (!parse(token, out T value))
        {
            result.AddError($"{name} expects {expected}, not '{Shown(token)}'.");
            return (false, default!);
        }
        return (true, value);
    }

    static string Shown(string token)
    {
        string visible = string.Concat(token.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return visible.Length > 60 ? visible[..60] + "…" : visible;
    }

    static bool TryInt(string t, out int v) => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v);
    static bool TryLong(string t, out long v) => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out v);
    static bool TryDouble(string t, out double v) => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out v);
    static bool TryText(string t, out string v) { v = t; return true; }
}
