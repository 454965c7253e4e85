namespace PluginHost.Tests.Support;

/// <summary>Liveness of processes that are not our children (workers of a node), read from /proc.</summary>
public static class OsProcesses
{
    /// <summary>True while the process exists and is not a zombie (a dead worker not yet reaped by init counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until every process in <paramref name="pids"/> is gone. The kernel offers no exit notification for
    /// non-children short of pidfd, so this checks /proc at a short interval up to a deadline; the deadline is
    /// the assertion, the interval only its resolution.
    /// </summary>
    public static async Task<IReadOnlyList<int>> StillAliveAfterAsync(IEnumerable<int> pids, TimeSpan deadline)
    {
        var list = pids.ToList();
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var alive = list.Where(IsAlive).ToList();
            if (alive.Count == 0 || DateTime.UtcNow > until) return alive;
            await Task.Delay(50);
        }
    }

    /// <summary>Kills leftovers so a failing test does not leak processes into the next one.</summary>
    public static void KillAll(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
            try { System.Diagnostics.Process.GetProcessById(pid).Kill(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { }
    }
}
