using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Runs;

[Trait("Category", Category.Unit)]
public class RunNameTests
{
    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData(".hidden")]
    [InlineData("trailing.")]
    [InlineData("x:y")]
    [InlineData("a*b")]
    [InlineData("a?b")]
    [InlineData("a<b>")]
    [InlineData("a|b")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("two words")]
    [InlineData("line\nbreak")]
    [InlineData("")]
    [InlineData("--hard")] // an option swallowed as the label
    public void Labels_that_break_a_folder_name_or_a_line_are_refused_stating_the_rule(string name)
    {
        string? problem = RunName.Problem(name);
        Assert.NotNull(problem);
        Assert.Contains(RunName.Rule, problem);
        Assert.DoesNotContain("\n", problem);
    }

    [Theory]
    [InlineData("tau-study")]
    [InlineData("v1.2_b")]
    [InlineData("größe")]
    public void Ordinary_labels_are_accepted(string name) => Assert.Null(RunName.Problem(name));

    [Fact]
    public void The_length_limit_is_64() 
    {
        Assert.Null(RunName.Problem(new string('a', 64)));
        Assert.NotNull(RunName.Problem(new string('a', 65)));
    }
}
