using System.CommandLine;

namespace EdgeTracker.Cli;

/// <summary>
/// The <c>edgetracker</c> command line. Each capability contributes its own command from its own file;
/// this class only assembles them, so adding a command never touches another's code.
/// </summary>
public static class CliApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("EdgeTracker: a single-object tracking daemon for Jetson-class devices.");
        foreach (var command in Commands())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    private static IEnumerable<Command> Commands()
    {
        yield return DoctorCommand.Create();
        yield return TrackCommand.Create();
        yield return EvalCommand.Create();
        yield return ModelsCommand.Create();
    }
}
