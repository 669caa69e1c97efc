using System.Text.RegularExpressions;
using Xunit;

namespace CategoricalVae.Tests.Architecture;

/// <summary>The app's folders depend on each other one way only (docs/architecture.md draws the layers).</summary>
[Trait("Category", Category.Unit)]
public class LayeringTests
{
    /// <summary>Each folder of the app and the folders it may use. Anything else is a violation.</summary>
    static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Common"] = [],
        ["Native"] = ["Common"],
        ["Model"] = ["Common", "Native"],
        ["Data"] = ["Common"],
        ["Runs"] = ["Common", "Model", "Data"],
        ["Imaging"] = ["Common", "Model", "Runs"],
        ["Evaluation"] = ["Common", "Native", "Model", "Data", "Runs"],
        ["Training"] = ["Common", "Native", "Model", "Data", "Runs", "Imaging"],
        ["Benchmarks"] = ["Common", "Native", "Model", "Data", "Runs", "Training"],
        ["Sweeps"] = ["Common", "Runs", "Training"],
        ["Cli"] = ["Common", "Native", "Model", "Data", "Runs", "Imaging", "Evaluation", "Training", "Benchmarks", "Sweeps"],
        ["Program"] = ["Common", "Native", "Training", "Cli"],
    };

    /// <summary>Folder → folders its files refer to, from `using` directives and qualified names.</summary>
    static Dictionary<string, HashSet<string>> Dependencies()
    {
        var typesByNamespace = typeof(CategoricalVae.Cli.CliApp).Assembly.GetTypes()
            .Where(t => t.Namespace?.StartsWith("CategoricalVae.", StringComparison.Ordinal) == true && !t.Name.StartsWith('<'))
            .GroupBy(t => Folder(t.Namespace!))
            .ToDictionary(g => g.Key, g => g.Select(t => t.Name.Split('`')[0]).ToHashSet());
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (string file in SourceTree.AppSources())
        {
            string text = File.ReadAllText(file);
            var ns = Regex.Match(text, @"^namespace\s+CategoricalVae\.([\w.]+)\s*;", RegexOptions.Multiline);
            string from = ns.Success ? Folder("CategoricalVae." + ns.Groups[1].Value) : "Program";
            var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
            foreach (Match m in Regex.Matches(text, @"^using\s+(?:static\s+)?CategoricalVae\.(\w+)", RegexOptions.Multiline))
                uses.Add(m.Groups[1].Value);
            // Qualified references such as Common.SeedStreams or CategoricalVae.Training.Trainer.
            foreach (var (folder, types) in typesByNamespace)
                foreach (Match m in Regex.Matches(text, $@"(?<![\w.]){folder}\.(\w+)|CategoricalVae\.{folder}\.(\w+)"))
                    if (types.Contains(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value))
                        uses.Add(folder);
            uses.Remove(from);
        }
        return graph;
    }

    static string Folder(string ns) => ns.Split('.')[1];

    [Fact]
    public void Every_folder_uses_only_the_layers_below_it()
    {
        var graph = Dependencies();
        Assert.Contains("Training", graph.Keys);
        var violations = graph.SelectMany(kv => kv.Value.Where(to => !Allowed[kv.Key].Contains(to)).Select(to => $"{kv.Key} → {to}")).ToList();
        Assert.True(violations.Count == 0, "Not allowed: " + string.Join(", ", violations));
        Assert.Equal(Allowed.Keys.Order(), graph.Keys.Order()); // a new folder must be placed in the table
    }

    [Fact]
    public void The_folder_graph_has_no_cycle()
    {
        var graph = Dependencies();
        var state = new Dictionary<string, int>();
        var path = new Stack<string>();
        void Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (string next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                    Assert.Fail("cycle: " + string.Join(" → ", path.Reverse().SkipWhile(n => n != next).Append(next)));
                if (state.GetValueOrDefault(next) == 0)
                    Visit(next);
            }
            path.Pop();
            state[node] = 2;
        }
        foreach (string node in graph.Keys)
            if (state.GetValueOrDefault(node) == 0)
                Visit(node);
    }

    [Fact]
    public void No_production_file_but_Program_reads_a_test_variable()
    {
        var files = SourceTree.AppSources().ToList();
        Assert.Contains(files, f => Path.GetFileName(f) == "Program.cs");
        var named = files.Where(f => File.ReadAllText(f).Contains("CATEGORICALVAE_TEST", StringComparison.Ordinal)).Select(Path.GetFileName);
        Assert.Equal(["FaultVariables.cs"], named);
        var readers = files.Where(f => File.ReadAllText(f).Contains("FaultVariables.", StringComparison.Ordinal)).Select(Path.GetFileName);
        Assert.Equal(["Program.cs"], readers);
    }
}
