using System.Xml.Linq;
using EdgeTracker.Testing;

namespace EdgeTracker.Control.Tests;

/// <summary>EdgeTracker.Control knows nothing of the daemon or the camera (ARCHITECTURE-INTENT: one-way arrows).</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void The_assembly_references_neither_the_daemon_nor_the_camera()
    {
        var referenced = typeof(PanTiltController).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.Contains("System.Runtime", referenced);
        Assert.DoesNotContain(referenced, name => name.StartsWith("EdgeTracker", StringComparison.Ordinal));
    }

    [Fact]
    public void The_project_file_has_no_project_or_package_references()
    {
        var project = XDocument.Load(Path.Combine(TestData.RepoRoot, "src", "EdgeTracker.Control", "EdgeTracker.Control.csproj"));
        Assert.Empty(project.Descendants("ProjectReference"));
        Assert.Empty(project.Descendants("PackageReference"));
    }
}
