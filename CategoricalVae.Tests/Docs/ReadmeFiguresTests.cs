using System.Text.RegularExpressions;
using Xunit;

namespace CategoricalVae.Tests.Docs;

/// <summary>The README quotes the paper recipe's result in prose: it must be what the recipe's committed evaluations
/// give, as the results page's table is.</summary>
[Trait("Category", Category.Unit)]
public class ReadmeFiguresTests
{
    [Fact]
    public void The_readme_quotes_the_recipe_as_its_files_give_it()
    {
        string readme = File.ReadAllText(Path.Combine(SourceTree.Root, "README.md"));
        var quoted = Regex.Match(readme, @"discrete −ELBO of (\d+\.\d+) nats on binarised MNIST \(mean\s+of three seeds, (\d+\.\d+)–(\d+\.\d+)");
        Assert.True(quoted.Success, "the README no longer quotes the recipe's −ELBO in the expected words");
        var values = Directory.GetFiles(Path.Combine(ResultsDocs.Results, "recipe"), "soft-seed*-evaluation.json")
            .Select(f => new ResultFile(f).Number("negative_elbo")).ToList();
        Assert.Equal(3, values.Count);
        Assert.Equal(FigureRules.F(values.Average()), quoted.Groups[1].Value);
        Assert.Equal(FigureRules.F(values.Min()), quoted.Groups[2].Value);
        Assert.Equal(FigureRules.F(values.Max()), quoted.Groups[3].Value);
    }
}
