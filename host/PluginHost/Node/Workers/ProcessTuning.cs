using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;

namespace PluginHost.Node.Workers;

/// <summary>Native worker options applied to the worker process itself: <c>title</c> and <c>cpu_affinity</c> (Linux only).</summary>
internal static class ProcessTuning
{
    public static void Apply(NativeWorkerConfig worker, ILogger log)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (worker.Title is not null || worker.CpuAffinity.Count > 0)
                log.LogWarning("options.title and options.cpu_affinity are applied on Linux only; ignored");
            return;
        }
        SetTitle(worker.Title ?? $"ph-{worker.Kind.ToLowerInvariant()}", log);
        if (worker.CpuAffinity.Count > 0) SetAffinity(worker.CpuAffinity, log);
    }

    /// <summary>/proc/self/comm names the main thread, which is what ps and top show (the kernel keeps 15 bytes).</summary>
    private static void SetTitle(string title, ILogger log)
    {
        try { File.WriteAllText("/proc/self/comm", title.Length > 15 ? title[..15] : title); }
        catch (IOException e) { log.LogWarning("options.title: cannot set process title: {Reason}", e.Message); }
    }

    /// <summary>
    /// sched_setaffinity applies per thread, and the runtime has started threads already: pin every existing
    /// thread; threads started later inherit the mask from the thread that creates them.
    /// </summary>
    private static void SetAffinity(IReadOnlyList<int> cpus, ILogger log)
    {
        var mask = new ulong[16]; // 1024 CPUs
        foreach (var cpu in cpus) mask[cpu / 64] |= 1UL << (cpu % 64);
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            if (!int.TryParse(Path.GetFileName(task), out var tid)) continue;
            if (sched_setaffinity(tid, (nint)(mask.Length * sizeof(ulong)), mask) != 0)
            {
                log.LogWarning("options.cpu_affinity [{Cpus}]: sched_setaffinity failed (errno {Errno}); not pinned",
                    string.Join(", ", cpus), Marshal.GetLastPInvokeError());
                return;
            }
        }
        log.LogInformation("Pinned to CPUs [{Cpus}]", string.Join(", ", cpus));
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setaffinity(int pid, nint cpusetsize, ulong[] mask);
}
