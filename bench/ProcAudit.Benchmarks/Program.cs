using BenchmarkDotNet.Running;

namespace ProcAudit.Benchmarks;

/// <summary>`dotnet run -c Release --project bench/ProcAudit.Benchmarks -- --filter '*'`.</summary>
internal static class Program
{
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
