using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using PluginHost.Abstractions;

namespace PluginHost.Components;

/// <summary>A [WampProcedure] or [WampTopic] method: its URI, match policy and the method's name.</summary>
public sealed record DeclaredHandler(string Uri, UriMatch Match, string Method);

/// <summary>
/// What a component class shows without running: its declarative procedures and topics, whether it
/// overrides OnJoinAsync, and the literal URIs its code passes to the session (see <see cref="SessionCallScanner"/>).
/// </summary>
public sealed record ComponentOutline(
    PluginLocation Location,
    IReadOnlyList<DeclaredHandler> Procedures,
    IReadOnlyList<DeclaredHandler> Topics,
    bool OverridesOnJoin,
    SessionCalls CodeCalls,
    bool IsComponent = true);

/// <summary>
/// Reads a component class from its DLL's metadata only (nothing is loaded or run, as with
/// <see cref="PluginLocator"/>), for <c>pluginhost check</c>. Base classes defined in the same DLL
/// are included; a base class from another DLL is not followed.
/// </summary>
public static class PluginInspector
{
    private static readonly string ProcedureAttribute = typeof(WampProcedureAttribute).FullName!;
    private static readonly string TopicAttribute = typeof(WampTopicAttribute).FullName!;

    public static ComponentOutline Inspect(PluginLocation location)
    {
        using var stream = File.OpenRead(location.AssemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var type = md.TypeDefinitions.Select(h => (Handle: h, Def: md.GetTypeDefinition(h)))
            .FirstOrDefault(t => t.Def.GetDeclaringType().IsNil && FullName(md, t.Def) == location.TypeName);
        if (type.Handle.IsNil) throw new InvalidOperationException($"class '{location.TypeName}' is not defined in {location.AssemblyPath}");

        var procedures = new List<DeclaredHandler>();
        var topics = new List<DeclaredHandler>();
        var overridesOnJoin = false;
        var classes = SelfAndBasesInAssembly(md, type.Def).ToList();
        foreach (var cls in classes)
        {
            foreach (var mh in cls.GetMethods())
            {
                var method = md.GetMethodDefinition(mh);
                var name = md.GetString(method.Name);
                var attrs = method.Attributes;
                if (name == nameof(WampComponent.OnJoinAsync) && (attrs & MethodAttributes.Virtual) != 0) overridesOnJoin = true;
                // The host binds public instance methods only (Type.GetMethods(Public | Instance)).
                if ((attrs & MethodAttributes.MemberAccessMask) != MethodAttributes.Public || (attrs & MethodAttributes.Static) != 0) continue;
                foreach (var ah in method.GetCustomAttributes())
                {
                    var attribute = md.GetCustomAttribute(ah);
                    var attributeType = AttributeTypeName(md, attribute);
                    var target = attributeType == ProcedureAttribute ? procedures : attributeType == TopicAttribute ? topics : null;
                    target?.Add(Declared(attribute, name));
                }
            }
        }
        var calls = SessionCallScanner.Scan(pe, md, classes);
        // The chain of bases defined here must end in a reference to the abstractions' WampComponent.
        var last = classes[^1];
        bool isComponent = !last.BaseType.IsNil && TypeReferenceName(md, last.BaseType) == typeof(WampComponent).FullName;
        return new ComponentOutline(location, procedures, topics, overridesOnJoin, calls, isComponent);
    }

    private static DeclaredHandler Declared(CustomAttribute attribute, string method)
    {
        var value = attribute.DecodeValue(AttributeTypes.Instance);
        var uri = value.FixedArguments is [{ Value: string s }] ? s : "?";
        var match = UriMatch.Exact;
        foreach (var named in value.NamedArguments)
            if (named.Name == nameof(WampProcedureAttribute.UriMatch) && named.Value is int m) match = (UriMatch)m;
        return new DeclaredHandler(uri, match, method);
    }

    /// <summary>The class and its base classes as long as they are defined in the same DLL.</summary>
    private static IEnumerable<TypeDefinition> SelfAndBasesInAssembly(MetadataReader md, TypeDefinition type)
    {
        var seen = new HashSet<TypeDefinitionHandle>();
        for (var t = type; ;)
        {
            yield return t;
            // Interfaces and System.Object have no base (a nil handle, which decodes with the TypeDefinition kind).
            if (t.BaseType.IsNil || t.BaseType.Kind != HandleKind.TypeDefinition || !seen.Add((TypeDefinitionHandle)t.BaseType)) yield break;
            t = md.GetTypeDefinition((TypeDefinitionHandle)t.BaseType);
        }
    }

    internal static string FullName(MetadataReader md, TypeDefinition t)
    {
        var ns = md.GetString(t.Namespace);
        var name = md.GetString(t.Name);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }

    internal static string TypeReferenceName(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeReference when md.GetTypeReference((TypeReferenceHandle)handle) is var r
            => md.GetString(r.Namespace) is { Length: > 0 } ns ? $"{ns}.{md.GetString(r.Name)}" : md.GetString(r.Name),
        HandleKind.TypeDefinition => FullName(md, md.GetTypeDefinition((TypeDefinitionHandle)handle)),
        _ => "",
    };

    internal static string AttributeTypeName(MetadataReader md, CustomAttribute attribute) => attribute.Constructor.Kind switch
    {
        HandleKind.MemberReference => TypeReferenceName(md, md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent),
        HandleKind.MethodDefinition => FullName(md, md.GetTypeDefinition(md.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType())),
        _ => "",
    };

    /// <summary>
    /// Just enough of a type provider to decode our two attributes: strings, and the int-backed enums
    /// UriMatch and InvokePolicy in named arguments.
    /// </summary>
    internal sealed class AttributeTypes : ICustomAttributeTypeProvider<string>
    {
        public static readonly AttributeTypes Instance = new();
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSystemType() => "System.Type";
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => FullName(reader, reader.GetTypeDefinition(handle));
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => TypeReferenceName(reader, handle);
        public string GetTypeFromSerializedName(string name) => name;
        public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(string type) => type == "System.Type";
    }
}
