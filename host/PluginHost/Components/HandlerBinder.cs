using System.Reflection;
using PluginHost.Abstractions;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;

namespace PluginHost.Components;

/// <summary>
/// Turns a plugin method (declarative attribute or a delegate passed to RegisterAsync/SubscribeAsync)
/// into a WampSession handler. The binding plan is computed once per method; each call binds
/// positional args in order, then kwargs by parameter name, then parameter defaults.
/// </summary>
internal sealed class HandlerBinder
{
    private enum Kind { Data, Cancellation, Progress, CallDetails, EventDetails }

    private sealed record Slot(Kind Kind, string Name, Type Type, int DataIndex, bool HasDefault, object? Default);

    private readonly MethodInfo _method;
    private readonly object? _target;
    private readonly Slot[] _slots;
    private readonly int _dataCount;
    private readonly ValueConverter _converter;
    private readonly Func<object?, ValueTask<object?>> _unwrap;

    public HandlerBinder(MethodInfo method, object? target, ValueConverter converter)
    {
        _method = method;
        _target = target;
        _converter = converter;
        int data = 0;
        _slots = method.GetParameters().Select(p =>
        {
            var t = p.ParameterType;
            var kind = t == typeof(CancellationToken) ? Kind.Cancellation
                : t == typeof(WampCallDetails) ? Kind.CallDetails
                : t == typeof(WampEventDetails) ? Kind.EventDetails
                : t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IProgress<>) ? Kind.Progress
                : Kind.Data;
            return new Slot(kind, p.Name ?? $"arg{p.Position}", kind == Kind.Progress ? t.GetGenericArguments()[0] : t,
                kind == Kind.Data ? data++ : -1, p.HasDefaultValue, p.HasDefaultValue ? p.DefaultValue : null);
        }).ToArray();
        _dataCount = data;
        _unwrap = ResultUnwrapper(method.ReturnType);
    }

    public string Describe() => $"{_method.DeclaringType?.FullName}.{_method.Name}";

    /// <summary>A procedure handler: binds, invokes, sends progress in order, converts the result or the error.</summary>
    public async ValueTask<WampResult?> InvokeAsync(WampInvocation invocation, CancellationToken ct)
    {
        ProgressSender? progress = null;
        var values = Bind(invocation.Args, invocation.ArgsKw, slot => slot.Kind switch
        {
            Kind.CallDetails => new WampCallDetails(invocation.Procedure, invocation.Caller, invocation.CallerAuthId,
                invocation.CallerAuthRole, invocation.ReceiveProgress, invocation.Timeout),
            Kind.Progress => (progress = ProgressSender.Create(slot.Type, invocation, _converter, ct)),
            _ => null,
        }, ct);
        object? result;
        try
        {
            result = await _unwrap(_method.Invoke(_target, BindingFlags.DoNotWrapExceptions, null, values, null)).ConfigureAwait(false);
        }
        catch (WampErrorException e)
        {
            throw new WampException(e.ErrorUri, _converter.ToWampList(e.Args), _converter.ToWampDict(e.Kwargs));
        }
        finally
        {
            // Progress reported before returning reaches the caller before the result.
            if (progress is not null) await progress.FlushAsync().ConfigureAwait(false);
        }
        if (_method.ReturnType == typeof(void) || _method.ReturnType == typeof(Task) || _method.ReturnType == typeof(ValueTask))
            return null;
        return result is WampPayload payload
            ? new WampResult(_converter.ToWampList(payload.Args), _converter.ToWampDict(payload.Kwargs))
            : new WampResult([_converter.ToWamp(result)]);
    }

    /// <summary>An event handler: binds and invokes; the return value is ignored.</summary>
    public async ValueTask HandleEventAsync(WampEvent e)
    {
        var values = Bind(e.Args, e.ArgsKw, slot => slot.Kind == Kind.EventDetails
            ? new WampEventDetails(e.Topic, e.PublicationId, e.Publisher, e.PublisherAuthId, e.PublisherAuthRole)
            : null, CancellationToken.None);
        await _unwrap(_method.Invoke(_target, BindingFlags.DoNotWrapExceptions, null, values, null)).ConfigureAwait(false);
    }

    private object?[] Bind(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, Func<Slot, object?> supplied,
        CancellationToken ct)
    {
        if (args.Count > _dataCount)
            throw new WampException(WampErrors.InvalidArgument, $"{_method.Name} takes {_dataCount} positional argument(s), got {args.Count}");
        var values = new object?[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            var slot = _slots[i];
            if (slot.Kind == Kind.Cancellation) { values[i] = ct; continue; }
            if (slot.Kind != Kind.Data) { values[i] = supplied(slot); continue; }
            try
            {
                if (slot.DataIndex < args.Count) values[i] = _converter.FromWamp(args[slot.DataIndex], slot.Type);
                else if (kwargs.TryGetValue(slot.Name, out var kw)) values[i] = _converter.FromWamp(kw, slot.Type);
                else if (slot.HasDefault) values[i] = slot.Default;
                else throw new ArgumentException("missing");
            }
            catch (ArgumentException e)
            {
                throw new WampException(WampErrors.InvalidArgument,
                    e.Message == "missing" ? $"{_method.Name}: missing argument '{slot.Name}'" : $"{_method.Name}: argument '{slot.Name}': {e.Message}");
            }
        }
        return values;
    }

    /// <summary>How to get the value out of what the method returned: awaits Task/ValueTask (generic or not).</summary>
    private static Func<object?, ValueTask<object?>> ResultUnwrapper(Type returnType)
    {
        if (returnType == typeof(Task)) return async r => { await ((Task)r!).ConfigureAwait(false); return null; };
        if (returnType == typeof(ValueTask)) return async r => { await ((ValueTask)r!).ConfigureAwait(false); return null; };
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var result = returnType.GetProperty(nameof(Task<int>.Result))!;
            return async r => { await ((Task)r!).ConfigureAwait(false); return result.GetValue(r); };
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            var asTask = returnType.GetMethod(nameof(ValueTask<int>.AsTask))!;
            var result = asTask.ReturnType.GetProperty(nameof(Task<int>.Result))!;
            return async r =>
            {
                var task = (Task)asTask.Invoke(r, null)!;
                await task.ConfigureAwait(false);
                return result.GetValue(task);
            };
        }
        return r => ValueTask.FromResult(r);
    }
}
