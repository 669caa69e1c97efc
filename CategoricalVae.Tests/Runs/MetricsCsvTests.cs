using CategoricalVae.Common;
using CategoricalVae.Runs;
using Xunit;

namespace CategoricalVae.Tests.Runs;

[Trait("Category", Category.Unit)]
public class MetricsCsvTests
{
    const string Eleven = "epoch,global_step,temperature,train_loss,train_bce,train_kl,test_loss,test_bce,test_kl,epoch_seconds,examples_per_second";

    [Fact]
    public void A_file_of_the_first_version_with_eleven_columns_reads_with_NaN_perplexity_and_minus_one_dead()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File(RunLayout.MetricsName), Eleven + "\n1,600,0.98,199.1,196.5,2.6,179.2,174.3,4.9,9.276,6468.6\n");
        var file = MetricsCsv.ReadWithNotes(dir.File(RunLayout.MetricsName));
        Assert.False(file.Damaged);
        var row = Assert.Single(file.Rows);
        Assert.Equal((1, 600L, 179.2), (row.Epoch, row.GlobalStep, row.TestLoss));
        Assert.True(double.IsNaN(row.LatentPerplexity));
        Assert.Equal(-1, row.DeadLatents);
    }

    [Fact]
    public void Appending_to_a_file_of_an_older_version_rewrites_it_under_todays_header()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File(RunLayout.MetricsName), Eleven + "\n1,600,0.98,199.1,196.5,2.6,179.2,174.3,4.9,9.276,6468.6\n");
        var next = new EpochMetrics(2, 1200, 0.97, 160, 150, 10, 150, 141, 9, 9.3, 6400, 9.1, 1, 12);
        MetricsCsv.Append(dir.File(RunLayout.MetricsName), next, AtomicWriter.Plain);
        var file = MetricsCsv.ReadWithNotes(dir.File(RunLayout.MetricsName));
        Assert.False(file.Damaged);
        Assert.Equal(MetricsCsv.Header, File.ReadLines(dir.File(RunLayout.MetricsName)).First());
        Assert.Equal([-1, 12], file.Rows.Select(r => r.ActiveLatents));
        Assert.Equal(next, file.Rows[1]);
    }

    [Fact]
    public void A_malformed_line_in_the_middle_is_named_and_the_lines_around_it_still_read()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File(RunLayout.MetricsName), MetricsCsv.Header + "\n" +
            "1,600,0.98,199.1,196.5,2.6,179.2,174.3,4.9,9.2,6468.6,9.5,0,12\n" +
            "2,1200,0.97;oops\n" +
            "3,1800,0.96,150.1,140.5,9.6,149.2,140.3,8.9,9.2,6468.6,9.5,0,12\n");
        var file = MetricsCsv.ReadWithNotes(dir.File(RunLayout.MetricsName));
        Assert.True(file.Damaged);
        Assert.Equal(["line 3 unreadable"], file.Notes);
        Assert.Equal([1, 3], file.Rows.Select(r => r.Epoch));
    }

    [Fact]
    public void A_torn_last_line_is_damage_an_unknown_column_is_not()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.csv"), MetricsCsv.Header + "\n1,600,0.98,199.1,196.5,2.6,179.2,174.3,4.9,9.2,6468.6,9.5,0,12\n2,1200,0.9");
        Assert.True(MetricsCsv.ReadWithNotes(dir.File("a.csv")).Damaged);
        File.WriteAllText(dir.File("b.csv"), MetricsCsv.Header + ",future\n1,600,0.98,199.1,196.5,2.6,179.2,174.3,4.9,9.2,6468.6,9.5,0,12,7\n");
        var b = MetricsCsv.ReadWithNotes(dir.File("b.csv"));
        Assert.False(b.Damaged);
        Assert.Single(b.Rows);
        Assert.Contains("ignored unknown column(s) future", b.Notes);
    }

    [Fact]
    public void Every_value_written_reads_back_exactly()
    {
        using var dir = new TempDir();
        var row = new EpochMetrics(7, 4200, 0.6123456789012345, 101.10000000000001, 90.2, 10.9, 102.3, 91.4, 10.900000000000002, 8.5, 7100.4, 9.87, 3);
        MetricsCsv.Append(dir.File("m.csv"), row, AtomicWriter.Plain);
        Assert.Equal(row, Assert.Single(MetricsCsv.Read(dir.File("m.csv"))));
    }
}
