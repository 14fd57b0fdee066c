using MongoDB.Bson;
using MongoDB.Driver;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Options;
using Workflows.Service.Storage.Mongo;

namespace Workflows.IntegrationTests.Storage;

/// <summary>
/// Single-user rotation against a real server (<c>MONGODB_URI</c>, CI's MongoDB job): the user's password changes
/// as Secrets Manager's hosted rotation changes it, the credentials file follows, and the store keeps working on a
/// new client while the old password is refused. Skipped, never passed, without a server.
/// </summary>
public sealed class MongoRotationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_store_follows_a_password_rotation_of_its_user()
    {
        var uri = Environment.GetEnvironmentVariable("MONGODB_URI");
        Assert.SkipWhen(string.IsNullOrWhiteSpace(uri), "MONGODB_URI is not set: no MongoDB server can run on this machine, so the rotation drill was not run.");

        var admin = new MongoClient(uri);
        var user = "rotation_" + Guid.NewGuid().ToString("N")[..8];
        var database = "workflows_rotation_" + Guid.NewGuid().ToString("N")[..8];
        var adminDb = admin.GetDatabase("admin");
        await adminDb.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            ["createUser"] = user, ["pwd"] = "first-password",
            ["roles"] = new BsonArray { new BsonDocument { ["role"] = "readWrite", ["db"] = database } },
        }, cancellationToken: Ct);
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "documentdb.json");
        try
        {
            await File.WriteAllTextAsync(file, $$"""{"username": "{{user}}", "password": "first-password"}""", Ct);
            var withoutUser = new MongoUrlBuilder(uri) { Username = null, Password = null }.ToString();
            var options = new MongoOptions { ConnectionString = withoutUser, CredentialsFile = file, ReadPreference = "primary", MinPoolSize = 0, RetryWrites = false };
            using var connection = new MongoConnection(options);
            var store = new MongoStore(connection, database);
            await store.InsertAsync(TestData.Workflow("before"), Ct);

            await adminDb.RunCommandAsync<BsonDocument>(new BsonDocument { ["updateUser"] = user, ["pwd"] = "second-password" }, cancellationToken: Ct);
            await File.WriteAllTextAsync(file, $$"""{"username": "{{user}}", "password": "second-password"}""", Ct);
            connection.Credentials!.Refresh();

            await store.InsertAsync(TestData.Workflow("after"), Ct); // on the new client: new connections, new password
            Assert.Equal(2, (await store.ListAsync(new WorkflowQuery(), Ct)).Items.Count);

            var stale = new MongoClient(MongoClientSettingsFactory.Create(options, $$"""{"username": "{{user}}", "password": "first-password"}"""));
            await Assert.ThrowsAnyAsync<MongoException>(() => stale.GetDatabase(database).RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: Ct));
        }
        finally
        {
            await adminDb.RunCommandAsync<BsonDocument>(new BsonDocument("dropUser", user), cancellationToken: Ct);
            await admin.DropDatabaseAsync(database, Ct);
        }
    }
}
