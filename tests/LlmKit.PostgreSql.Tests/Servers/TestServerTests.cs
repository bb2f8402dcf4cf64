using LlmKit.Tests.Servers;
using Npgsql;

namespace LlmKit.PostgreSql.Tests.Servers;

/// <summary>The throwaway servers other test projects rely on: they start, isolate, restart and clean up.</summary>
public sealed class TestServerTests(PostgresDatabaseFixture db) : IClassFixture<PostgresDatabaseFixture>
{
    [PostgresFact]
    public async Task A_class_gets_its_own_database_on_the_shared_server()
    {
        await using var command = db.DataSource.CreateCommand("SELECT current_database(), current_setting('server_version_num')::int");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(db.Database.Name, reader.GetString(0));
        Assert.True(reader.GetInt32(1) >= 150000, $"server version {reader.GetInt32(1)}");
        Assert.Same(await PostgresServer.SharedAsync(), db.Server);
    }

    [PostgresFact]
    public async Task Pgvector_can_be_created_in_a_fresh_database()
    {
        var server = await PostgresServer.SharedAsync();
        Assert.True(await server.IsExtensionAvailableAsync("vector"), "pgvector is not installed: run .ci/vendor/install-postgres.sh");
        await using var database = await server.CreateDatabaseAsync(nameof(Pgvector_can_be_created_in_a_fresh_database));
        await database.CreateExtensionAsync("vector");
        await using var command = database.DataSource.CreateCommand("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector");
        Assert.Equal(1.0, Convert.ToDouble(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [PostgresFact]
    public async Task A_dropped_database_is_gone_and_its_connections_are_closed()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync("dropped");
        await using (var command = database.DataSource.CreateCommand("SELECT 1"))
        {
            await command.ExecuteScalarAsync();
        }

        await database.DisposeAsync();
        await using var admin = new NpgsqlConnection(server.AdminConnectionString);
        await admin.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = database.Name } } };
        Assert.Equal(0L, await exists.ExecuteScalarAsync());
    }

    [PostgresFact]
    public async Task An_owned_server_stops_restarts_on_the_same_port_and_deletes_its_folder()
    {
        var server = await PostgresServer.StartAsync();
        string folder = server.RootFolder;
        int port = server.Port;
        await using (var database = await server.CreateDatabaseAsync("restart"))
        {
            await using (var create = database.DataSource.CreateCommand("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)"))
            {
                await create.ExecuteNonQueryAsync();
            }

            await server.StopAsync(immediate: true);
            Assert.False(server.IsRunning);
            await using (var refused = database.DataSource.CreateCommand("SELECT 1"))
            {
                await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.ExecuteScalarAsync());
            }

            await server.RestartAsync();
            Assert.Equal(port, server.Port);
            NpgsqlConnection.ClearAllPools();
            await using var read = database.DataSource.CreateCommand("SELECT v FROM kept");
            Assert.Equal(7, await read.ExecuteScalarAsync());
        }

        await server.DisposeAsync();
        Assert.False(Directory.Exists(folder));
    }

    [RedisFact]
    public async Task A_redis_server_answers_restarts_empty_and_deletes_its_folder()
    {
        var server = await RedisServer.StartAsync();
        string folder = server.RootFolder;
        Assert.Equal("+OK", await SendAsync(server, "SET k v"));
        await server.RestartAsync();
        Assert.Equal("$-1", await SendAsync(server, "GET k"));
        await server.DisposeAsync();
        Assert.False(server.IsRunning);
        Assert.False(Directory.Exists(folder));
    }

    private static async Task<string> SendAsync(RedisServer server, string command)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync("127.0.0.1", server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[64];
        int read = await stream.ReadAsync(buffer);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, read).TrimEnd('\r', '\n');
    }
}
