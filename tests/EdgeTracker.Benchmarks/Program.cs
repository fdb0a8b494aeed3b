using BenchmarkDotNet.Running;

namespace EdgeTracker.Benchmarks;

/// <summary>Entry point: <c>scripts/bench [--filter *Name*]</c> forwards its arguments here.</summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
