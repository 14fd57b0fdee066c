using MongoDB.Driver;
using Workflows.Core.Ports;
using Workflows.Service.Options;
using Workflows.Service.Storage.Mongo;

namespace Workflows.IntegrationTests.Storage;

/// <summary>
/// The store contract against a real MongoDB or DocumentDB, when <c>MONGODB_URI</c> names one (each run uses,
/// then drops, its own database). Without it every test here reports as skipped, never as passed.
/// </summary>
public sealed class MongoStoreTests : StoreContract, IAsyncDisposable
{
    private IMongoClient? _client;
    private readonly string _database = "workflows_test_" + Guid.NewGuid().ToString("N")[..8];

    protected override async Task<(IWorkflowStore, IExecutionStore)> CreateStoreAsync()
    {
        var uri = Environment.GetEnvironmentVariable("MONGODB_URI");
        Assert.SkipWhen(string.IsNullOrWhiteSpace(uri), "MONGODB_URI is not set: no MongoDB server can run on this machine, so the MongoDB store contract was not run.");

        _client = new MongoClient(MongoClientSettingsFactory.Create(new MongoOptions
        {
            ConnectionString = uri,
            ReadPreference = "primary", // the contract reads its own writes
            MinPoolSize = 0,
            RetryWrites = false,
        }));
        var store = new MongoStore(_client, _database);
        await store.InitializeAsync(Ct);
        await store.PingAsync(Ct);
        return (store, store);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DropDatabaseAsync(_database);
    }
}
