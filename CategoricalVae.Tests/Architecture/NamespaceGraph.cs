using System.Text.RegularExpressions;

namespace CategoricalVae.Tests.Architecture;

/// <summary>
/// Which of the app's namespaces each namespace uses, read from the sources: `using` directives (static ones too) and
/// qualified names (Model.Estimators.GradientEstimators, CategoricalVae.Runs.RunLayout), resolved as C# resolves
/// them, against the namespace of the file and then its parents; comments are left out. Names are below "CategoricalVae." ("Model.Fused");
/// Program.cs, which has none, is "Program". A namespace's use of its own ancestors is left out: code sees its
/// parents' types without a using, and a folder's sub-namespaces are its parts.
/// </summary>
public static class NamespaceGraph
{
    public static Dictionary<string, HashSet<string>> FromSources()
    {
        var typesByNamespace = typeof(CategoricalVae.Cli.CliApp).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("CategoricalVae.", StringComparison.Ordinal) == true && !t.IsNested && !t.Name.StartsWith('<'))
            .GroupBy(t => t.Namespace!["CategoricalVae.".Length..])
            .ToDictionary(g => g.Key, g => g.Select(t => t.Name.Split('`')[0]).ToHashSet());
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (string file in SourceTree.AppSources())
        {
            // Comments are not dependencies: a cref may point anywhere.
            string text = Regex.Replace(File.ReadAllText(file), @"^\s*//.*$", "", RegexOptions.Multiline);
            var declared = Regex.Match(text, @"^namespace\s+CategoricalVae\.([\w.]+)\s*;", RegexOptions.Multiline);
            string from = declared.Success ? declared.Groups[1].Value : "Program";
            var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            foreach (Match m in Regex.Matches(text, @"^using\s+(static\s+)?CategoricalVae\.([\w.]+)\s*;", RegexOptions.Multiline))
                if (Longest(m.Groups[2].Value, typesByNamespace) is { } used)
                    uses.Add(used);
            foreach (Match m in Regex.Matches(text, @"(?<![\w.])((?:\w+\.)+)(\w+)"))
            {
                string qualifier = m.Groups[1].Value.TrimEnd('.'), type = m.Groups[2].Value;
                if (qualifier.StartsWith("CategoricalVae.", StringComparison.Ordinal))
                    qualifier = qualifier["CategoricalVae.".Length..];
                foreach (string scope in Scopes(from))
                {
                    string candidate = scope.Length == 0 ? qualifier : $"{scope}.{qualifier}";
                    if (typesByNamespace.TryGetValue(candidate, out var types) && types.Contains(type))
                    {
                        uses.Add(candidate);
                        break;
                    }
                }
            }
            uses.RemoveWhere(to => to == from || IsAncestor(to, from));
        }
        return graph;
    }

    /// <summary>The namespace itself, then each parent, then the root: where C# looks a qualified name up.</summary>
    static IEnumerable<string> Scopes(string ns)
    {
        if (ns == "Program")
        {
            yield return "";
            yield break;
        }
        for (string s = ns; ; s = s[..s.LastIndexOf('.')])
        {
            yield return s;
            if (!s.Contains('.'))
                break;
        }
        yield return "";
    }

    /// <summary>The longest known namespace that <paramref name="name"/> starts with (a `using static` names a type).</summary>
    static string? Longest(string name, IReadOnlyDictionary<string, HashSet<string>> known)
    {
        for (string s = name; ; s = s[..s.LastIndexOf('.')])
        {
            if (known.ContainsKey(s))
                return s;
            if (!s.Contains('.'))
                return null;
        }
    }

    public static bool IsAncestor(string ancestor, string ns) => ns.StartsWith(ancestor + ".", StringComparison.Ordinal);

    public static string TopFolder(string ns) => ns.Split('.')[0];

    /// <summary>A cycle of the graph as "A → B → A", or null when there is none.</summary>
    public static string? Cycle(IReadOnlyDictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>();
        var path = new Stack<string>();
        string? found = null;
        bool Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (string next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    found = string.Join(" → ", path.Reverse().SkipWhile(n => n != next).Append(next));
                    return true;
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next))
                    return true;
            }
            path.Pop();
            state[node] = 2;
            return false;
        }
        foreach (string node in graph.Keys.Order(StringComparer.Ordinal))
            if (state.GetValueOrDefault(node) == 0 && Visit(node))
                return found;
        return null;
    }
}
