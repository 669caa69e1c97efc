using CategoricalVae.Model;
using Xunit;

namespace CategoricalVae.Tests.Model;

[Trait("Category", Category.Unit)]
public class TemperatureScheduleTests
{
    static TemperatureSchedule Make(AnnealSchedule kind) => new(kind, 1.0, 0.5, 3e-5, 100);

    [Fact]
    public void Global_schedule_is_evaluated_every_N_steps_on_the_global_step()
    {
        var s = Make(AnnealSchedule.Global);
        Assert.Equal(1.0, s.Temperature(0, 0));
        Assert.Equal(1.0, s.Temperature(99, 99));
        Assert.Equal(Math.Exp(-3e-5 * 100), s.Temperature(100, 100), 12);
        Assert.Equal(Math.Exp(-3e-5 * 100), s.Temperature(199, 199), 12);
        Assert.Equal(Math.Exp(-3e-5 * 600), s.Temperature(600, 0), 12);     // end of epoch 1 of 600 batches
        Assert.Equal(0.83527, s.Temperature(6000, 0), 5);                   // end of 10 epochs
        Assert.Equal(0.5, s.Temperature(30000, 0));                         // clamped at τ_min
    }

    [Fact]
    public void Seed_schedule_reproduces_the_source_script()
    {
        var s = Make(AnnealSchedule.Seed);
        Assert.Equal(1.0, s.Temperature(0, 0));
        Assert.Equal(1.0, s.Temperature(1, 1));                             // batch 1 itself still at τ0
        Assert.Equal(Math.Exp(-3e-5), s.Temperature(2, 2), 12);             // updated after batch_idx 1
        Assert.Equal(Math.Exp(-3e-5 * 102), s.Temperature(102, 102), 12);   // after 1 and 101
        Assert.Equal(0.9558, s.Temperature(600, 600), 4);                   // end of a 600-batch epoch
        Assert.Equal(1.0, s.Temperature(600, 0));                           // reset at the next epoch start
    }

    [Fact]
    public void Seed_schedule_clamps_at_the_minimum()
    {
        var s = new TemperatureSchedule(AnnealSchedule.Seed, 1.0, 0.9, 1e-3, 100);
        Assert.Equal(0.9, s.Temperature(600, 600), 12);
    }
}
