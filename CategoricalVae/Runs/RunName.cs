namespace CategoricalVae.Runs;

/// <summary>The rule for --name labels: safe as part of a folder name on Windows and Linux, and on one line.</summary>
public static class RunName
{
    public const int MaxLength = 64;

    public const string Rule = "1 to 64 letters, digits, '-', '_' or '.', not starting with '.' or '-' nor ending with '.'";

    /// <summary>Why <paramref name="name"/> breaks the rule, or null.</summary>
    public static string? Problem(string name)
    {
        bool ok = name.Length is > 0 and <= MaxLength
                  && name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.')
                  && name[0] is not ('.' or '-') && name[^1] != '.'; // a leading '-' is an option swallowed as the label
        return ok ? null : $"--name '{Escape(name)}' is not a valid label: use {Rule}.";
    }

    /// <summary>Control characters made visible, so the error stays on one line.</summary>
    static string Escape(string s)
    {
        string shown = string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return shown.Length > 80 ? shown[..80] + "…" : shown;
    }
}
