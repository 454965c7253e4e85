using BenchmarkDotNet.Running;

// bench/embedded.sh passes its arguments here: `--filter *` runs everything, `--list flat` names the benchmarks.
BenchmarkSwitcher.FromAssembly(typeof(PluginHost.Bench.Embedded.RoutedCalls).Assembly).Run(args);
