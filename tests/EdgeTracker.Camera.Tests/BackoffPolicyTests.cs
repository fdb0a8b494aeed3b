using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

public sealed class BackoffPolicyTests
{
    private static readonly BackoffPolicy Policy = new()
    {
        InitialDelay = TimeSpan.FromMilliseconds(500),
        MaxDelay = TimeSpan.FromSeconds(8),
        Jitter = 0.25,
    };

    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    [InlineData(5, 8000)]
    [InlineData(6, 8000)]
    [InlineData(int.MaxValue, 8000)]
    public void Delay_doubles_up_to_the_cap(int attempt, double expectedMs) =>
        Assert.Equal(expectedMs, Policy.DelayFor(attempt, uniform: 0).TotalMilliseconds, precision: 6);

    [Fact]
    public void Jitter_only_shortens_and_by_at_most_its_share()
    {
        Assert.Equal(375, Policy.DelayFor(1, uniform: 1).TotalMilliseconds, precision: 6);
        var random = new Random(1);
        for (var i = 0; i < 1000; i++)
        {
            var delay = Policy.DelayFor(4, random.NextDouble());
            Assert.InRange(delay.TotalMilliseconds, 3000, 4000);
        }
    }

    [Fact]
    public void Bad_settings_name_the_setting()
    {
        Assert.Equal("MaxDelay", Assert.Throws<ArgumentOutOfRangeException>(() =>
            (Policy with { MaxDelay = TimeSpan.FromMilliseconds(100) }).Validate()).ParamName);
        Assert.Equal("Jitter", Assert.Throws<ArgumentOutOfRangeException>(() => (Policy with { Jitter = 1.5 }).Validate()).ParamName);
        Assert.Equal("InitialDelay", Assert.Throws<ArgumentOutOfRangeException>(() =>
            (Policy with { InitialDelay = TimeSpan.Zero }).Validate()).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Policy.DelayFor(0, 0));
    }

    [Fact]
    public void Camera_rejects_bad_options_at_construction()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new CameraCapture(SourceDescription.Parse("test://ball"), new CameraOptions { QueueCapacity = 0 }));
        Assert.Equal("QueueCapacity", error.ParamName);
    }
}
