using System.Security.Cryptography.X509Certificates;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>
/// Test certificates made by openssl: a CA, a server certificate for 127.0.0.1 and two client certificates it
/// signed (a is a tls principal, b is not), and a self-signed "stranger" client certificate.
/// </summary>
public sealed class TestCertificates
{
    public string Dir { get; }
    public string File(string name) => Path.Combine(Dir, name);

    private TestCertificates(string dir) => Dir = dir;

    public static async Task<TestCertificates> CreateAsync()
    {
        var certs = new TestCertificates(Directory.CreateTempSubdirectory("pluginhost-certs-").FullName);
        await System.IO.File.WriteAllTextAsync(certs.File("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        await System.IO.File.WriteAllTextAsync(certs.File("client.ext"), "extendedKeyUsage=clientAuth\n");
        await certs.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=PluginHost Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await certs.Signed("server", "127.0.0.1", "server.ext");
        await certs.Signed("a", "client-a", "client.ext");
        await certs.Signed("b", "client-b", "client.ext");
        await certs.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "stranger.key",
            "-out", "stranger.pem", "-days", "2", "-subj", "/CN=stranger");
        return certs;
    }

    /// <summary>The certificate's SHA-1 fingerprint as Crossbar shows it ("AB:CD:…").</summary>
    public string Sha1(string name)
    {
        using var cert = X509Certificate2.CreateFromPem(System.IO.File.ReadAllText(File(name + ".pem")));
        return string.Join(":", cert.GetCertHashString().Chunk(2).Select(c => new string(c)));
    }

    private async Task Signed(string name, string commonName, string extensions)
    {
        await OpenSsl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", "/CN=" + commonName);
        await OpenSsl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".pem",
            "-days", "2", "-extfile", extensions);
    }

    private async Task OpenSsl(params string[] args)
    {
        var outcome = await ExternalProcess.RunAsync("openssl", args, TimeSpan.FromMinutes(1), Dir);
        if (outcome.TimedOut || outcome.ExitCode != 0)
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed ({outcome.ExitCode}):\n{outcome.Output}");
    }
}

/// <summary>
/// A node with WAMP-SCRAM (WebSocket and RawSocket), a mutual-TLS WebSocket transport authenticating by client
/// certificate, and a TLS WebSocket transport with cryptosign (for tls-unique channel binding).
/// </summary>
public sealed class ScramTlsNodeFixture : IAsyncLifetime
{
    // alice: autobahn.wamp.auth.derive_scram_credential("alice@example.com", "secret123") printed this, pasted as is.
    // paul: PBKDF2-SHA256("pbkdf2pass", salt 00..0f, 1000 iterations), keys computed as the spec says.
    private const string Scram = """
        { "scram": { "type": "static", "principals": {
            "alice": { "kdf": "argon2id-13", "memory": 512, "iterations": 4096, "salt": "ff8d9819fc0e12bf0d24892e45987e24",
                       "stored-key": "a7f4f4b9458b859252ba0a0b0c10cdf24b68d6ab257704b65049cfa92e9428a1",
                       "server-key": "dd13f08d5bd56df06d8306d18fbb576296e0595910fc7afc2aaaa28138448d0a", "role": "frontend" },
            "paul": { "kdf": "pbkdf2", "iterations": 1000, "salt": "000102030405060708090a0b0c0d0e0f",
                      "stored-key": "0bbde4c62df7dbb27d9cfba5d9ffa07e6b2d42afc532fdd66fdc1517426f4244",
                      "server-key": "97fa8857f8fe9707b30478fbd0447bf893ea7f9283fec65c91912dc7b1ce2436", "role": "frontend" } } } }
        """;

    public TestCertificates Certs { get; private set; } = null!;
    public NodeProcess Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Certs = await TestCertificates.CreateAsync();
        string Tls(bool mutual) => $$"""
            "tls": { "key": "{{Certs.File("server.key")}}", "certificate": "{{Certs.File("server.pem")}}"{{(mutual ? $", \"ca_certificates\": [\"{Certs.File("ca.pem")}\"]" : "")}} }
            """;
        var config = $$"""
        {
          "version": 2,
          "workers": [{
            "type": "router",
            "realms": [{{AuthNodeFixture.AuthRealm}}],
            "transports": [
              { "id": "web", "type": "web", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
                "paths": { "ws": { "type": "websocket", "auth": {{Scram}} } } },
              { "id": "raw", "type": "rawsocket", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" }, "auth": {{Scram}} },
              { "id": "mtls", "type": "websocket",
                "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1", {{Tls(mutual: true)}} },
                "auth": { "tls": { "type": "static", "principals": {
                    "client-a": { "certificate-sha1": "{{Certs.Sha1("a")}}", "role": "frontend" } } } } },
              { "id": "bind", "type": "websocket",
                "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1", {{Tls(mutual: false)}} },
                "auth": { "cryptosign": { "type": "static", "principals": {
                    "alice": { "authorized_keys": ["79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"], "role": "frontend" } } } } }
            ]
          }]
        }
        """;
        Node = await NodeProcess.StartAsync(config);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        Directory.Delete(Certs.Dir, recursive: true);
    }
}

/// <summary>
/// Autobahn|Python against WAMP-SCRAM, TLS client certificates (mutual TLS) and cryptosign tls-unique binding:
/// tests/interop/python/ab_scram_tls.py, refusals first.
/// </summary>
public sealed class AutobahnScramTlsTests(ScramTlsNodeFixture fixture) : IClassFixture<ScramTlsNodeFixture>
{
    private const string Python = "/usr/bin/python3"; // Debian's: python3-autobahn, python3-nacl, python3-argon2

    private async Task RunAsync(string group, string[] expected, params string[] args)
    {
        var script = Path.Combine(RepoPaths.InteropDir, "python/ab_scram_tls.py");
        var outcome = await ExternalProcess.RunAsync(Python, [script, group, .. args], TimeSpan.FromMinutes(3));
        Assert.False(outcome.TimedOut, $"ab_scram_tls.py {group} timed out:\n{outcome.Output}");
        Assert.True(outcome.ExitCode == 0, $"ab_scram_tls.py {group} failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{fixture.Node.Log}");
        foreach (var scenario in expected) Assert.Contains("PASS " + scenario, outcome.Output);
    }

    [Theory]
    [InlineData("ws", "json")]
    [InlineData("rs", "msgpack")]
    public async Task ScramRefusesWrongPasswordReplayAndTamperedNonceThenLogsIn(string transport, string serializer)
    {
        var url = transport == "ws" ? $"ws://127.0.0.1:{fixture.Node.Port("web")}/ws" : $"rs://127.0.0.1:{fixture.Node.Port("raw")}";
        await RunAsync("scram", ["scram_wrong_password", "scram_tampered_nonce", "scram_replayed_proof", "scram_argon2id", "scram_pbkdf2"],
            "--url", url, "--serializer", serializer);
        // Refusals are logged with method and authid, never the proof.
        Assert.Contains("Authentication refused: authmethod scram, authid alice", fixture.Node.Log);
    }

    [Fact]
    public async Task MutualTlsRefusesMissingAndUntrustedCertificatesAndMapsClientCertificateToPrincipal()
    {
        var c = fixture.Certs;
        await RunAsync("tls", ["tls_no_certificate", "tls_untrusted_certificate", "tls_unknown_principal", "tls_principal"],
            "--url", $"wss://127.0.0.1:{fixture.Node.Port("mtls")}/ws", "--ca", c.File("ca.pem"),
            "--cert", c.File("a.pem"), "--key", c.File("a.key"), "--other-cert", c.File("b.pem"), "--other-key", c.File("b.key"),
            "--stranger-cert", c.File("stranger.pem"), "--stranger-key", c.File("stranger.key"));
    }

    [Fact]
    public async Task CryptosignBoundToTlsUniqueRefusesSignatureFromAnotherChannel()
    {
        await RunAsync("binding", ["binding_other_channel", "binding_unbound_signature", "binding_tls13_refused", "binding_ok"],
            "--url", $"wss://127.0.0.1:{fixture.Node.Port("bind")}/ws", "--ca", fixture.Certs.File("ca.pem"));
    }
}
