using System.Reflection;

namespace EdgeTracker.Tests;

/// <summary>The one-way arrows of docs/architecture.md, checked on the built assemblies.</summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Host = typeof(EdgeTracker.Cli.CliApp).Assembly;

    [Theory]
    [InlineData("EdgeTracker.Camera")]
    [InlineData("EdgeTracker.Control")]
    public void Libraries_know_nothing_of_the_host_or_of_each_other(string library)
    {
        var assembly = Assembly.Load(library);
        var references = assembly.GetReferencedAssemblies().Select(a => a.Name).ToHashSet();
        Assert.DoesNotContain(Host.GetName().Name, references);
        Assert.DoesNotContain(references, r => r is not null && r.StartsWith("EdgeTracker", StringComparison.Ordinal));
    }

    [Fact]
    public void The_host_references_both_libraries()
    {
        var references = Host.GetReferencedAssemblies().Select(a => a.Name).ToList();
        // A reference only appears once the host uses a type from the library; both are used by the daemon.
        Assert.Contains("EdgeTracker.Camera", references);
        Assert.Contains("EdgeTracker.Control", references);
    }
}
