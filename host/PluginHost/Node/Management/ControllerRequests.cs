using System.Collections.Concurrent;
using PluginHost.Node.Workers;

namespace PluginHost.Node.Management;

/// <summary>
/// A router worker's questions to its controller (MANAGEMENT DESIGN, ManagementApi.cs): a component of a container is
/// started, stopped or reloaded by that container's process, which only the controller talks to, and a component is
/// added to any worker by the controller, which owns the node's configuration. Each request goes out
/// on the worker's control channel (<see cref="WorkerProtocol.Request"/>), the controller hands it to the container as a
/// command and its answer back (<see cref="WorkerProtocol.Reply"/>, read from stdin by WorkerHost), which completes the
/// request here. Thread-safe.
/// </summary>
public static class ControllerRequests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<string?>> Pending = new(StringComparer.Ordinal);
    private static long s_next;

    /// <summary>Asks <paramref name="worker"/> to <paramref name="action"/> its component; null when done, else the reason it was not.</summary>
    /// <param name="componentJson">With a start: the configuration of a component to add (one line of JSON).</param>
    public static async Task<string?> SendAsync(ControlChannel control, string worker, string action, string component, CancellationToken ct,
        string? componentJson = null)
    {
        var id = $"{Environment.ProcessId}-{Interlocked.Increment(ref s_next)}";
        var answer = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Pending[id] = answer;
        try
        {
            control.Send(WorkerProtocol.Request, componentJson is null ? $"{id} {worker} {action} {component}" : $"{id} {worker} {action} {component} {componentJson}");
            return await answer.Task.WaitAsync(Timeout, ct);
        }
        catch (TimeoutException)
        {
            return $"no answer from the controller within {Timeout.TotalSeconds} s";
        }
        finally
        {
            Pending.TryRemove(id, out _);
        }
    }

    /// <summary>A reply line's argument (<c>ID ok</c> or <c>ID error REASON</c>): completes its request, if still waiting.</summary>
    public static void Complete(string reply)
    {
        var parts = reply.Split(' ', 3);
        if (parts.Length < 2 || !Pending.TryRemove(parts[0], out var answer)) return;
        answer.TrySetResult(parts[1] == "ok" ? null : parts.Length == 3 ? parts[2] : "failed");
    }
}
