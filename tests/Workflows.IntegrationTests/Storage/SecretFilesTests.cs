using StackExchange.Redis;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Hosting;
using Workflows.Service.Options;
using Workflows.Service.Storage.Mongo;

namespace Workflows.IntegrationTests.Storage;

/// <summary>Secrets read from files (as the EKS init container writes them), never from the environment.</summary>
public sealed class SecretFilesTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task The_redis_password_file_authenticates_against_a_password_protected_redis()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "redis-password");
        await File.WriteAllTextAsync(file, "s3cret-Token!#$\n", TestContext.Current.CancellationToken);
        var admin = redis.Connection.GetServers()[0];
        await admin.ExecuteAsync("CONFIG", "SET", "requirepass", "s3cret-Token!#$");
        try
        {
            var config = RedisConnection.Configure(new RedisOptions { ConnectionString = $"127.0.0.1:{redis.Port}", PasswordFile = file });
            await using var client = await ConnectionMultiplexer.ConnectAsync(config);
            await client.GetDatabase().StringSetAsync("probe", "authenticated");
            Assert.Equal("authenticated", (string?)await client.GetDatabase().StringGetAsync("probe"));

            var wrong = RedisConnection.Configure(new RedisOptions { ConnectionString = $"127.0.0.1:{redis.Port},connectTimeout=500" });
            await using var anonymous = await ConnectionMultiplexer.ConnectAsync(wrong);
            await Assert.ThrowsAnyAsync<RedisException>(() => anonymous.GetDatabase().PingAsync());
        }
        finally
        {
            await using var authed = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},password=s3cret-Token!#$,allowAdmin=true");
            await authed.GetServers()[0].ExecuteAsync("CONFIG", "SET", "requirepass", "");
        }
    }

    [Fact]
    public void A_missing_password_file_is_named() =>
        Assert.Contains("/nope/token", Assert.Throws<InvalidOperationException>(() =>
            RedisConnection.Configure(new RedisOptions { ConnectionString = "localhost", PasswordFile = "/nope/token" })).Message);

    [Fact]
    public void DocumentDb_credentials_come_from_the_secret_shaped_json_file()
    {
        using var dir = new TempDirectory();
        var file = Path.Combine(dir.Path, "documentdb.json");
        File.WriteAllText(file, """{"username": "workflows", "password": "p@ss:w/rd", "engine": "docdb", "host": "x", "port": 27017}""");
        var settings = MongoClientSettingsFactory.Create(new MongoOptions { ConnectionString = "mongodb://db.example:27017/?tls=true", CredentialsFile = file });
        Assert.Equal("workflows", settings.Credential.Username);
        Assert.Equal("admin", settings.Credential.Source);

        File.WriteAllText(file, """{"username": "workflows"}""");
        var e = Assert.Throws<InvalidOperationException>(() => MongoClientSettingsFactory.Create(new MongoOptions { ConnectionString = "mongodb://db.example", CredentialsFile = file }));
        Assert.Contains("\"username\" and \"password\"", e.Message);
    }
}
