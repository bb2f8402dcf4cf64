using LlmKit.Budgets;
using LlmKit.PostgreSql.Budgets;
using LlmKit.PostgreSql.Schema;
using LlmKit.Tests.Servers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LlmKit.PostgreSql.Tests;

/// <summary>A server of the test's own, stopped and restarted under the stores.</summary>
public sealed class FaultTests
{
    private static BudgetReservationRequest Request(string tenant) =>
        new(tenant, null, 100, 0.1m, new BudgetLimits { CostPerDay = 1m }, DateTimeOffset.UtcNow);

    [PostgresFact]
    public async Task With_the_database_down_the_budget_fails_closed_by_default_or_open_when_configured_and_a_pending_settle_lands_when_it_is_back()
    {
        await using var server = await PostgresServer.StartAsync();
        await using var database = await server.CreateDatabaseAsync("faults");
        await PostgresSchema.ApplyAsync(database.DataSource);
        var connection = new PostgresDatabase(database.CreateDataSource(b => b.ConnectionStringBuilder.Timeout = 2));
        await using var closed = new PostgresBudgetStore(connection, Options.Create(new PostgreSqlOptions()));
        await using var open = new PostgresBudgetStore(connection, Options.Create(new PostgreSqlOptions { BudgetsFailOpen = true }));

        var inFlight = await closed.TryReserveAsync(Request("down"), default);
        await server.StopAsync(immediate: true);

        var refused = await Assert.ThrowsAsync<BudgetStoreUnavailableException>(() => closed.TryReserveAsync(Request("down"), default).AsTask());
        Assert.Contains("BudgetsFailOpen", refused.Message);
        var unmetered = await open.TryReserveAsync(Request("down"), default);
        Assert.True(unmetered.Reservation!.IsUnmetered);

        // The connection dropped between reserve and settle: the settle waits in the background, nothing is lost.
        await closed.SettleAsync(inFlight.Reservation!, 10, 0.05m, default);
        Assert.Equal(1, closed.PendingSettles);
        await server.RestartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (closed.PendingSettles > 0 || (await closed.GetDayCostAsync("down", DateTimeOffset.UtcNow)).Settled == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the deferred settle never landed");
            await Task.Delay(200);
        }

        Assert.Equal((0.05m, 0m), await closed.GetDayCostAsync("down", DateTimeOffset.UtcNow));
        await connection.DisposeAsync();
    }

    [PostgresFact]
    public async Task A_host_whose_database_is_unreachable_fails_to_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["LlmKit:PostgreSql:ConnectionString"] = $"Host=127.0.0.1;Port={ServerFreePort()};Database=nowhere;Username=x;Timeout=2",
        });
        builder.Services.AddLlmKit().UseBudgets(o => o.CostPerDay = 1m).AddPostgreSql();
        using var host = builder.Build();
        var failure = await Assert.ThrowsAsync<PostgresUnavailableException>(() => host.StartAsync());
        Assert.Contains("LlmKit:PostgreSql:ConnectionString", failure.Message);
        Assert.Contains("Database=nowhere", failure.Message);
    }

    [PostgresFact]
    public async Task A_missing_connection_string_fails_validation_naming_its_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddLlmKit().AddPostgreSql();
        using var host = builder.Build();
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("LlmKit:PostgreSql:ConnectionString", failure.Message);
    }

    private static int ServerFreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
