using Xunit;

namespace CategoricalVae.Tests.Architecture;

/// <summary>The app's folders depend on each other one way only, and no namespace at any depth takes part in a cycle
/// (docs/architecture.md draws the layers).</summary>
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
        ["Interop"] = ["Common", "Native", "Model", "Data", "Runs"],
        ["Cli"] = ["Common", "Native", "Model", "Data", "Runs", "Imaging", "Evaluation", "Training", "Benchmarks", "Sweeps", "Interop"],
        ["Program"] = ["Common", "Native", "Training", "Cli"],
    };

    [Fact]
    public void Every_folder_uses_only_the_layers_below_it()
    {
        var graph = NamespaceGraph.FromSources();
        Assert.Contains("Model.Fused", graph.Keys);
        var violations = graph
            .SelectMany(kv => kv.Value
                .Where(to => NamespaceGraph.TopFolder(to) != NamespaceGraph.TopFolder(kv.Key))
                .Where(to => !Allowed[NamespaceGraph.TopFolder(kv.Key)].Contains(NamespaceGraph.TopFolder(to)))
                .Select(to => $"{kv.Key} → {to}"))
            .ToList();
        Assert.True(violations.Count == 0, "Not allowed: " + string.Join(", ", violations));
        Assert.Equal(Allowed.Keys.Order(), graph.Keys.Select(NamespaceGraph.TopFolder).Distinct().Order()); // a new folder must be placed in the table
    }

    [Fact]
    public void No_namespace_at_any_depth_is_part_of_a_cycle()
    {
        var graph = NamespaceGraph.FromSources();
        Assert.Null(NamespaceGraph.Cycle(graph));
    }

    /// <summary>The cycle finder and the reading of the sources find what the tests above rely on: a cycle between
    /// siblings below one folder, edges between sub-namespaces, and no edge from a namespace to its own parent.</summary>
    [Fact]
    public void The_graph_sees_sub_namespaces_and_the_cycle_finder_finds_a_cycle_between_siblings()
    {
        var graph = NamespaceGraph.FromSources();
        Assert.Contains("Model.Kernels", graph["Model.Fused"]);
        Assert.Contains("Model.Estimators", graph["Model.Kernels"]);
        Assert.DoesNotContain("Model", graph["Model.Fused"]);
        var siblings = new Dictionary<string, HashSet<string>>
        {
            ["Model"] = ["Model.Fused"],
            ["Model.Estimators"] = ["Model.Fused"],
            ["Model.Fused"] = ["Model.Estimators"],
        };
        Assert.Equal("Model.Fused → Model.Estimators → Model.Fused", NamespaceGraph.Cycle(siblings));
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

    [Fact]
    public void No_type_of_the_model_layer_knows_of_faults_and_none_outside_it_names_the_fused_pass()
    {
        var files = SourceTree.AppSources().ToList();
        string Folder(string f) => Path.GetRelativePath(SourceTree.App, f).Split(Path.DirectorySeparatorChar)[0];
        var modelFiles = files.Where(f => Folder(f) == "Model").ToList();
        Assert.NotEmpty(modelFiles);
        Assert.All(modelFiles, f => Assert.DoesNotContain("IFaultPlan", File.ReadAllText(f)));
        var fusedTypes = typeof(CategoricalVae.Cli.CliApp).Assembly.GetTypes()
            .Where(t => t.Namespace is "CategoricalVae.Model.Fused" or "CategoricalVae.Model.Kernels" && !t.IsNested && !t.Name.StartsWith('<'))
            .Select(t => t.Name.Split('`')[0]).Distinct().ToList();
        Assert.Contains("FusedPass", fusedTypes);
        var outside = files.Where(f => Folder(f) != "Model")
            .SelectMany(f => fusedTypes.Where(t => System.Text.RegularExpressions.Regex.IsMatch(File.ReadAllText(f), $@"\b{t}\b"))
                .Select(t => $"{Path.GetFileName(f)} names {t}"))
            .ToList();
        Assert.True(outside.Count == 0, string.Join("; ", outside));
    }
}
