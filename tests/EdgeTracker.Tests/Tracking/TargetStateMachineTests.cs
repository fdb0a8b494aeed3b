using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Tracking;

public sealed class TargetStateMachineTests
{
    private static readonly ConfidenceOptions Options = new() { UncertainBelow = 0.35f, LostBelow = 0.2f, TrackingAbove = 0.45f, FramesToLose = 3, FramesToRecover = 2 };

    [Fact]
    public void One_weak_frame_makes_the_target_uncertain_not_lost()
    {
        var machine = new TargetStateMachine(Options);
        Assert.Equal(TargetState.Tracking, machine.Update(0.9f));
        Assert.Equal(TargetState.Uncertain, machine.Update(0.1f));
        Assert.Equal(TargetState.Uncertain, machine.Update(0.9f)); // one good frame is not enough to recover
        Assert.Equal(TargetState.Tracking, machine.Update(0.9f));
    }

    [Fact]
    public void A_run_of_very_weak_frames_loses_the_target_and_a_run_of_good_ones_recovers_it()
    {
        var machine = new TargetStateMachine(Options);
        machine.Update(0.1f);
        machine.Update(0.1f);
        Assert.Equal(TargetState.Lost, machine.Update(0.1f));
        Assert.Equal(TargetState.Lost, machine.Update(0.4f)); // between thresholds: stays lost (hysteresis)
        Assert.Equal(TargetState.Lost, machine.Update(0.5f));
        Assert.Equal(TargetState.Tracking, machine.Update(0.5f));
    }

    [Fact]
    public void Middling_confidence_keeps_an_uncertain_target_uncertain_and_does_not_lose_it()
    {
        var machine = new TargetStateMachine(Options);
        machine.Update(0.3f);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(TargetState.Uncertain, machine.Update(0.3f));
        }
    }

    [Fact]
    public void Inconsistent_thresholds_are_rejected_naming_them()
    {
        var e = Assert.Throws<ArgumentException>(() => new ConfidenceOptions { LostBelow = 0.5f, UncertainBelow = 0.3f }.Validate());
        Assert.Contains("LostBelow (0.5)", e.Message);
    }
}
