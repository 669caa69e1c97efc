using CategoricalVae.Common;
using CategoricalVae.Runs;
using CategoricalVae.Sweeps;
using Xunit;

namespace CategoricalVae.Tests.Sweeps;

/// <summary>sweep.json is not trusted: a member must be a plain folder inside the sweep, listed once, and the run in
/// its folder must be the member's.</summary>
[Trait("Category", Category.Unit)]
public class CheckedSweepTests
{
    static UserFacingException Refused(HandMadeSweep sweep)
    {
        var e = Assert.Throws<UserFacingException>(() => CheckedSweep.Open(sweep.Folder, HandMadeSweep.Arguments));
        Assert.Equal(ExitCodes.Refused, e.ExitCode);
        return e;
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("/tmp/elsewhere")]
    [InlineData("a/b")]
    [InlineData("a\nb")]
    [InlineData("")]
    public void A_member_folder_that_is_not_a_plain_name_inside_the_sweep_is_refused_naming_it(string folder)
    {
        using var dir = new TempDir();
        var sweep = new HandMadeSweep(dir.File("sweep"), [HandMadeSweep.Member(false, 1), HandMadeSweep.Member(true, 1, folder: folder)]);
        var e = Refused(sweep);
        Assert.Contains("member 2's folder", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void A_member_listed_twice_is_refused_by_folder_and_by_run()
    {
        using var dir = new TempDir();
        var twice = HandMadeSweep.Member(false, 1);
        Assert.Contains("members 1 and 2 both name the folder", Refused(new HandMadeSweep(dir.File("a"), [twice, twice, HandMadeSweep.Member(true, 1)])).Message);
        // The same run under another name would count twice in a mean just the same.
        Assert.Contains("train the same run", Refused(new HandMadeSweep(dir.File("b"), [twice, twice with { Folder = "copy" }])).Message);
    }

    [Fact]
    public void A_member_folder_holding_another_run_is_refused_naming_the_member_and_the_difference()
    {
        using var dir = new TempDir();
        var member = HandMadeSweep.Member(false, 1);
        var sweep = new HandMadeSweep(dir.File("sweep"), [member, HandMadeSweep.Member(true, 1)]);
        // An unrelated finished run (another seed, more epochs) copied into the member's folder.
        sweep.Train(member, 5, 100, HandMadeSweep.Arguments.Parse(["--epochs", "5", "--seed", "7"]));
        var e = Refused(sweep);
        Assert.Contains($"member {member.Folder}: its folder holds another run (--seed=7 in its config.json, --seed=1 in sweep.json)", e.Message);
    }

    [Fact]
    public void The_members_own_run_with_more_epochs_is_accepted_and_recorded_epochs_must_match_the_arguments()
    {
        using var dir = new TempDir();
        var member = HandMadeSweep.Member(false, 1);
        var sweep = new HandMadeSweep(dir.File("sweep"), [member, HandMadeSweep.Member(true, 1)]);
        // Extended with a --resume of its own: the same run, further on.
        sweep.Train(member, 4, 100, HandMadeSweep.Arguments.Parse(["--epochs", "4", "--seed", "1", "--threads", "1"]));
        Assert.Equal(2, CheckedSweep.Open(sweep.Folder, HandMadeSweep.Arguments).Options.Count);

        var edited = new HandMadeSweep(dir.File("edited"), [member with { Epochs = 1 }]);
        Assert.Contains("records 1 epochs, but its arguments train 2", Refused(edited).Message);
    }

    [Fact]
    public void A_sweep_json_missing_a_members_args_names_where_not_a_dotnet_type()
    {
        using var dir = new TempDir();
        var sweep = new HandMadeSweep(dir.File("sweep"), [HandMadeSweep.Member(false, 1)]);
        string path = SweepFile.PathIn(sweep.Folder);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json["members"]![0]!.AsObject().Remove("args");
        File.WriteAllText(path, json.ToJsonString());
        var e = Refused(sweep);
        Assert.Contains("cannot read the sweep (a value at members[0]", e.Message);
        Assert.DoesNotContain("CategoricalVae.", e.Message);
        Assert.DoesNotContain("System.", e.Message);
    }
}
