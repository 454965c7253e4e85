using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using PluginHost.Abstractions;

namespace PluginHost.Components;

/// <summary>
/// URIs a component's code passes to its session, read from the IL: <see cref="Literal"/> holds the
/// string literals, <see cref="Computed"/> counts the calls whose URI is built at run time (a variable, a
/// field, an interpolated string), which only the startup log can show.
/// </summary>
public sealed record SessionCalls(
    IReadOnlyDictionary<string, IReadOnlyList<string>> Literal,
    IReadOnlyDictionary<string, int> Computed)
{
    public const string Register = nameof(IWampComponentSession.RegisterAsync);
    public const string Subscribe = nameof(IWampComponentSession.SubscribeAsync);
    public const string Publish = nameof(IWampComponentSession.PublishAsync);
    public const string Call = nameof(IWampComponentSession.CallAsync);

    public IReadOnlyList<string> LiteralsOf(string method) => Literal.TryGetValue(method, out var l) ? l : [];
    public int ComputedOf(string method) => Computed.TryGetValue(method, out var n) ? n : 0;
}

/// <summary>
/// Finds calls to IWampComponentSession.RegisterAsync/SubscribeAsync/PublishAsync/CallAsync in the IL
/// of a class, its nested types (async state machines, lambdas) and base classes of the same DLL, and
/// the literal URI of each. The evaluation stack is simulated along the IL (each value is a string literal
/// or unknown), so at the session call the URI argument is known to be a literal or not. The scan is
/// linear (jumps are not followed), which is exact for straight-line argument lists; a URI chosen by a
/// conditional or computed at run time counts as computed. For display only. Nothing is loaded or run.
/// </summary>
internal static class SessionCallScanner
{
    private static readonly string SessionInterface = typeof(IWampComponentSession).FullName!;
    private static readonly string[] Methods = [SessionCalls.Register, SessionCalls.Subscribe, SessionCalls.Publish, SessionCalls.Call];

    // Operand sizes by opcode, from the runtime's own opcode table (one- and two-byte opcodes).
    private static readonly Dictionary<ushort, OpCode> OpCodeTable = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => (ushort)o.Value);

    public static SessionCalls Scan(PEReader pe, MetadataReader md, IEnumerable<TypeDefinition> classes)
    {
        var literal = new Dictionary<string, List<string>>();
        var computed = new Dictionary<string, int>();
        foreach (var type in classes.SelectMany(t => WithNested(md, t)))
            foreach (var mh in type.GetMethods())
            {
                var method = md.GetMethodDefinition(mh);
                if (method.RelativeVirtualAddress == 0) continue; // abstract, extern
                try { ScanBody(md, pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader(), literal, computed); }
                catch (Exception e) when (e is BadImageFormatException or ArgumentException or InvalidOperationException)
                {
                    // A body this reader cannot follow (obfuscated, unusual compiler): what it registers shows in the startup log.
                }
            }
        return new SessionCalls(
            literal.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.Distinct().ToList()),
            computed);
    }

    private static IEnumerable<TypeDefinition> WithNested(MetadataReader md, TypeDefinition type)
    {
        yield return type;
        foreach (var nested in type.GetNestedTypes())
            foreach (var t in WithNested(md, md.GetTypeDefinition(nested))) yield return t;
    }

    private static void ScanBody(MetadataReader md, BlobReader il, Dictionary<string, List<string>> literal, Dictionary<string, int> computed)
    {
        // The evaluation stack, simulated along the instruction sequence: a string literal or null (any other value).
        var stack = new List<string?>();
        while (il.RemainingBytes > 0)
        {
            ushort code = il.ReadByte();
            if (code == 0xFE) code = (ushort)(0xFE00 | il.ReadByte());
            if (!OpCodeTable.TryGetValue(code, out var op)) return; // not IL we understand: stop quietly
            int token = 0;
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.ReadByte(); break;
                case OperandType.InlineVar: il.ReadUInt16(); break;
                case OperandType.InlineI8 or OperandType.InlineR: il.ReadInt64(); break;
                case OperandType.InlineSwitch: il.Offset += 4 * il.ReadInt32(); break;
                default: token = il.ReadInt32(); break; // every other operand is 4 bytes
            }
            if (op == OpCodes.Ldstr) { stack.Add(md.GetUserString(MetadataTokens.UserStringHandle(token))); continue; }
            if (op == OpCodes.Dup) { stack.Add(stack.Count > 0 ? stack[^1] : null); continue; }
            if (op.FlowControl is FlowControl.Branch or FlowControl.Return or FlowControl.Throw || op == OpCodes.Calli)
            {
                // Linear simulation: what follows an unconditional jump is reached from elsewhere, with a
                // stack we do not track (in C#, usually empty between statements).
                stack.Clear();
                continue;
            }
            int pops, pushes;
            if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj)
            {
                var callee = Callee(md, MetadataTokens.EntityHandle(token));
                pops = callee.Parameters + (callee.HasThis && op != OpCodes.Newobj ? 1 : 0);
                pushes = callee.ReturnsVoid && op != OpCodes.Newobj ? 0 : 1;
                if (op != OpCodes.Newobj && callee.Parent == SessionInterface && Methods.Contains(callee.Name))
                {
                    // The URI is the first argument after the session itself.
                    var uri = stack.Count >= pops && pops >= 2 ? stack[stack.Count - pops + 1] : null;
                    if (uri is not null) (literal.TryGetValue(callee.Name, out var l) ? l : literal[callee.Name] = []).Add(uri);
                    else computed[callee.Name] = computed.GetValueOrDefault(callee.Name) + 1;
                }
            }
            else
            {
                pops = Count(op.StackBehaviourPop.ToString(), "Pop");
                pushes = Count(op.StackBehaviourPush.ToString(), "Push");
            }
            stack.RemoveRange(Math.Max(0, stack.Count - pops), Math.Min(pops, stack.Count));
            for (int i = 0; i < pushes; i++) stack.Add(null);
        }
    }

    /// <summary>Values an opcode pops or pushes, from its stack behaviour's name: Pop0 = 0, Popi = 1, Popref_popi_popi = 3.</summary>
    private static int Count(string behaviour, string prefix) => behaviour == prefix + "0" ? 0 : behaviour.Split('_').Length;

    private sealed record CalleeInfo(string Parent, string Name, int Parameters, bool HasThis, bool ReturnsVoid);

    private static CalleeInfo Callee(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MemberReference:
                var member = md.GetMemberReference((MemberReferenceHandle)handle);
                return Describe(md, PluginInspector.TypeReferenceName(md, member.Parent), member.Name, member.Signature);
            case HandleKind.MethodDefinition:
                var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                return Describe(md, PluginInspector.FullName(md, md.GetTypeDefinition(method.GetDeclaringType())), method.Name, method.Signature);
            case HandleKind.MethodSpecification: // a generic method: CallAsync<T>
                return Callee(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return new CalleeInfo("", "", 0, false, true);
        }
    }

    /// <summary>Reads a method signature's header: instance or static, parameter count, void return (ECMA-335 II.23.2.1).</summary>
    private static CalleeInfo Describe(MetadataReader md, string parent, StringHandle name, BlobHandle signature)
    {
        var blob = md.GetBlobReader(signature);
        var header = blob.ReadSignatureHeader();
        if (header.IsGeneric) blob.ReadCompressedInteger();
        var parameters = blob.ReadCompressedInteger();
        var type = blob.ReadSignatureTypeCode();
        while (type is SignatureTypeCode.RequiredModifier or SignatureTypeCode.OptionalModifier)
        {
            blob.ReadTypeHandle();
            type = blob.ReadSignatureTypeCode();
        }
        return new CalleeInfo(parent, md.GetString(name), parameters, header.IsInstance, type == SignatureTypeCode.Void);
    }
}
