using Workflows.Core.Ports;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Storage.Sqlite;

namespace Workflows.IntegrationTests.Storage;

public sealed class SqliteStoreTests : StoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override async Task<(IWorkflowStore, IExecutionStore)> CreateStoreAsync()
    {
        var store = new SqliteStore(Path.Combine(_dir.Path, "store.db"));
        await store.InitializeAsync(Ct);
        await store.InitializeAsync(Ct); // start-up is idempotent
        return (store, store);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
