using BenchmarkDotNet.Running;
using Workflows.Bench.HotPaths;

BenchmarkSwitcher.FromAssembly(typeof(GuardBenchmarks).Assembly).Run(args);
