namespace PluginHost.Cli;

public static class CliApp
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("pluginhost: CLI being implemented");
        return Task.FromResult(1);
    }
}
