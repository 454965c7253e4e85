using System.Text.RegularExpressions;

namespace PluginHost.Cli.Dev;

/// <summary>
/// MSBuild's error lines made compact: <c>/abs/src/X/Greeter.cs(22,49): error CS1002: ; expected [/abs/X.csproj]</c>
/// becomes <c>src/X/Greeter.cs:22:49: error CS1002: ; expected</c> (the file:line:col form editors and terminals link).
/// MSBuild repeats each error (as it happens and in the summary, or once per target framework): each is kept once.
/// </summary>
internal static partial class BuildErrors
{
    public static IReadOnlyList<string> Parse(string output, string relativeTo)
    {
        var seen = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            string? compact = null;
            if (SourceError().Match(line) is { Success: true } m)
            {
                var file = Path.GetRelativePath(relativeTo, m.Groups["file"].Value);
                compact = $"{file}:{m.Groups["line"].Value}:{m.Groups["col"].Value}: error {m.Groups["code"].Value}: {m.Groups["text"].Value}";
            }
            else if (OtherError().Match(line) is { Success: true } o)
                compact = $"{o.Groups["where"].Value.Trim()}: error {o.Groups["code"].Value}: {o.Groups["text"].Value}";
            if (compact is not null && !seen.Contains(compact)) seen.Add(compact);
        }
        return seen;
    }

    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+),(?<col>\d+)(,\d+,\d+)?\): error (?<code>\w+): (?<text>.*?)( \[[^\]]+\])?$")]
    private static partial Regex SourceError();

    /// <summary>Errors without a source position (restore, MSBuild): "X.csproj : error NU1101: ...".</summary>
    [GeneratedRegex(@"^(?<where>.*?)\s*: error (?<code>\w+): (?<text>.*?)( \[[^\]]+\])?$")]
    private static partial Regex OtherError();
}
