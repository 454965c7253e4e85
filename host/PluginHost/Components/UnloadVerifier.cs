using System.Reflection;
using System.Reflection.Metadata;

namespace PluginHost.Components;

/// <summary>
/// Checks that an unloaded plugin context is really collected. Before collecting it clears the
/// runtime's reflection caches (System.Text.Json's among them) through their metadata-update
/// handlers, which otherwise keep the last few plugin types, and so their contexts, reachable.
/// </summary>
internal static class UnloadVerifier
{
    private const int Attempts = 10;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    public static async Task<bool> IsCollectedAsync(WeakReference context)
    {
        for (int i = 0; i < Attempts && context.IsAlive; i++)
        {
            ClearReflectionCaches();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            // Unloading completes asynchronously (finalizers of the context's objects run first).
            if (context.IsAlive) await Task.Delay(Pause).ConfigureAwait(false);
        }
        return !context.IsAlive;
    }

    private static MethodInfo[]? _clearCaches;

    private static void ClearReflectionCaches()
    {
        _clearCaches ??= AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsCollectible)
            .SelectMany(a => a.GetCustomAttributes<MetadataUpdateHandlerAttribute>())
            .Select(h => h.HandlerType.GetMethod("ClearCache", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(Type[])]))
            .OfType<MethodInfo>()
            .ToArray();
        foreach (var clear in _clearCaches)
        {
            try { clear.Invoke(null, [null]); }
            catch (TargetInvocationException) { /* a cache that cannot be cleared only delays collection */ }
        }
    }
}
