using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using WechatKepu.Data.Staff;
using WechatKepu.Server.Features.Staff;
using WechatKepu.Simulator;
using WechatKepu.Testing;

namespace WechatKepu.Server.Tests.Resilience;

/// <summary>
/// Staff behind the load balancer: two backend processes, each with a home directory of its own (as two
/// hosts have), on one PostgreSQL. A browser's requests land on either.
/// </summary>
public sealed class ClusterStaffTests : IAsyncLifetime
{
    private const string KeyEncryptionKey = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    private readonly List<ServerProcess> _servers = [];
    private readonly List<string> _homes = [];
    private SimulatorHost? _simulator;
    private string _db = "";

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorHost.StartAsync();
        _simulator.Simulator.AddAccount(ClusterTests.AppId, ClusterTests.Secret);
        _db = await TestPostgres.CreateDatabaseAsync("clstaff");
        // One after the other: the first creates the key ring, the second finds it.
        for (var i = 0; i < 2; i++)
        {
            var home = Directory.CreateTempSubdirectory("kepu-home-").FullName;
            _homes.Add(home);
            var environment = ClusterTests.Environment(_db, _simulator.BaseUrl);
            environment["HOME"] = home;
            environment["DataProtection__KeyEncryptionKey"] = KeyEncryptionKey;
            _servers.Add(await ServerProcess.StartAsync(environment));
        }
    }

    private async Task CreateAccountAsync(string username, string role, string? unit, string password)
    {
        await using var conn = new NpgsqlConnection(_db);
        await conn.ExecuteAsync("INSERT INTO staff_accounts (username, display_name, role, unit, password_hash) VALUES (@username, @username, @role, @unit, @hash)",
            new { username, role, unit, hash = StaffAccountsApi.Hasher.HashPassword(new StaffAccountRow(), password) });
    }

    /// <summary>A browser: one cookie jar for 127.0.0.1, whichever instance answers.</summary>
    private sealed class Browser(IReadOnlyList<ServerProcess> servers) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { CookieContainer = new CookieContainer() });
        private string _token = "";

        public async Task<HttpResponseMessage> SendAsync(int instance, HttpMethod method, string path, object? body = null)
        {
            using var request = new HttpRequestMessage(method, servers[instance].BaseUrl + path);
            request.Headers.Add(StaffAuth.AntiforgeryHeader, _token);
            if (body is not null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            }

            return await _http.SendAsync(request);
        }

        public async Task FetchTokenAsync(int instance) =>
            _token = (await (await SendAsync(instance, HttpMethod.Get, "/api/console/antiforgery")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        public async Task SignInAsync(int instance, string username, string password)
        {
            await FetchTokenAsync(instance);
            var response = await SendAsync(instance, HttpMethod.Post, "/api/console/login", new { username, password });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            await FetchTokenAsync(instance);
        }

        public void Dispose() => _http.Dispose();
    }

    [Fact]
    public async Task A_staff_cookie_and_token_from_one_instance_work_on_the_other_and_the_keys_are_encrypted_at_rest()
    {
        await CreateAccountAsync("cl.org", "organiser", "柳州科技馆", "cluster-pass-1");
        using var organiser = new Browser(_servers);
        await organiser.SignInAsync(0, "cl.org", "cluster-pass-1");

        // Signed in and given a token on instance 0; reading and writing on instance 1.
        Assert.Equal(HttpStatusCode.OK, (await organiser.SendAsync(1, HttpMethod.Get, "/api/console/me")).StatusCode);
        var write = await organiser.SendAsync(1, HttpMethod.Post, "/api/console/checkin", new { code = "KP-1-AAAA" });
        Assert.Equal("bad_code", ClusterTests.Code(await write.Content.ReadAsStringAsync()));

        await using var conn = new NpgsqlConnection(_db);
        var rows = (await conn.QueryAsync<(string KeyId, byte[] Element)>("SELECT key_id, element FROM data_protection_keys")).ToList();
        Assert.Single(rows);
        Assert.NotEqual("plain", rows[0].KeyId);
        Assert.DoesNotContain("masterKey", Encoding.UTF8.GetString(rows[0].Element), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_new_password_set_on_one_instance_ends_the_session_on_the_other()
    {
        await CreateAccountAsync("cl.admin", "admin", null, "cluster-pass-1");
        await CreateAccountAsync("cl.org2", "organiser", "柳州科技馆", "cluster-pass-1");
        using var admin = new Browser(_servers);
        await admin.SignInAsync(0, "cl.admin", "cluster-pass-1");
        using var organiser = new Browser(_servers);
        await organiser.SignInAsync(1, "cl.org2", "cluster-pass-1");
        using var second = new Browser(_servers);
        await second.SignInAsync(1, "cl.org2", "cluster-pass-1");
        Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(1, HttpMethod.Get, "/api/console/me")).StatusCode);

        await using var conn = new NpgsqlConnection(_db);
        var id = await conn.ExecuteScalarAsync<long>("SELECT id FROM staff_accounts WHERE username = 'cl.org2'");
        var changed = await admin.SendAsync(0, HttpMethod.Put, $"/api/console/staff/{id}",
            new { displayName = "cl.org2", role = "organiser", unit = "柳州科技馆", password = "new-cluster-pass-2" });
        Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());

        // A write always reads the account; a read hears of the change through the notification.
        Assert.Equal(HttpStatusCode.Unauthorized, (await organiser.SendAsync(1, HttpMethod.Post, "/api/console/checkin", new { code = "KP-1-AAAA" })).StatusCode);
        await Waits.ForAsync(async () => (await second.SendAsync(1, HttpMethod.Get, "/api/console/me")).StatusCode == HttpStatusCode.Unauthorized,
            "instance 1 to end the session", seconds: 20);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        await TestPostgres.DropDatabaseAsync(_db);
        foreach (var home in _homes)
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
