using EdgeTracker.Hosting.Configuration;

namespace EdgeTracker.Tests.Hosting;

/// <summary><c>Tracking:Batching</c> from the file and the command line.</summary>
public sealed class BatchingConfigurationTests : IDisposable
{
    private readonly string _file = Path.Combine(Directory.CreateTempSubdirectory("et-batching-").FullName, "config.json");

    public BatchingConfigurationTests() =>
        File.WriteAllText(_file, """{ "Cameras": [ { "Name": "cam0", "Source": "test://ball" } ], "Tracking": { "Batching": "sometimes" } }""");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_file)!, recursive: true);

    [Fact]
    public void An_unknown_batching_mode_is_reported_with_its_key_and_the_choices()
    {
        var loaded = ConfigLoader.Load(_file, [], new Dictionary<string, string?>());
        var error = Assert.Single(loaded.Errors);
        Assert.Equal("Tracking:Batching", error.Key);
        Assert.Contains("'sometimes' is not one of auto, on, off", error.Message);
    }

    [Theory]
    [InlineData("on")]
    [InlineData("OFF")]
    [InlineData("Auto")]
    public void The_command_line_sets_the_batching_mode_in_any_case(string mode)
    {
        var loaded = ConfigLoader.Load(_file, [$"--Tracking:Batching={mode}"], new Dictionary<string, string?>());
        Assert.Empty(loaded.Errors);
        Assert.Equal(mode, loaded.Options.Tracking.Batching);
    }

    [Fact]
    public void A_number_is_not_a_batching_mode()
    {
        var loaded = ConfigLoader.Load(_file, ["--Tracking:Batching=1"], new Dictionary<string, string?>());
        Assert.Equal("Tracking:Batching", Assert.Single(loaded.Errors).Key);
    }
}
