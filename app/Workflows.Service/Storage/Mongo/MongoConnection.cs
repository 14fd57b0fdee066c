using MongoDB.Driver;
using Workflows.Service.Options;
using Workflows.Service.Secrets;

namespace Workflows.Service.Storage.Mongo;

/// <summary>
/// The MongoDB/DocumentDB client, rebuilt when the credentials file changes. Secrets Manager's single-user rotation
/// changes the password in place: pooled connections stay authenticated, but every new connection needs the new
/// password, and a <see cref="MongoClient"/>'s credential is fixed for its life. So a new client takes over and the
/// old one is disposed once its in-flight operations have had time to finish.
/// </summary>
public sealed class MongoConnection : IDisposable
{
    /// <summary>How long a replaced client lives on for operations that started on it (longer than any timeout).</summary>
    public static readonly TimeSpan RetireAfter = TimeSpan.FromMinutes(2);

    private readonly MongoOptions _options;
    private MongoClient _client;

    public MongoConnection(MongoOptions options)
    {
        _options = options;
        Credentials = string.IsNullOrWhiteSpace(options.CredentialsFile) ? null : new SecretFile(options.CredentialsFile, "Storage:MongoDb:CredentialsFile");
        _client = new MongoClient(MongoClientSettingsFactory.Create(options, Credentials?.Value)); // fails fast, naming the bad key
        if (Credentials is not null) Credentials.Changed += Replace;
    }

    /// <summary>The credentials file to register for re-reading, when one is set.</summary>
    public SecretFile? Credentials { get; }

    /// <summary>Where a rejected credentials file is reported (set by the host once logging exists).</summary>
    public ILogger? Logger { get; set; }

    public IMongoClient Client => Volatile.Read(ref _client);

    /// <summary>Raised with the new client after a credentials change.</summary>
    public event Action<IMongoClient>? ClientReplaced;

    private void Replace(string credentialsJson)
    {
        MongoClient next;
        try { next = new MongoClient(MongoClientSettingsFactory.Create(_options, credentialsJson)); }
        catch (InvalidOperationException e)
        {
            // A malformed file (the message never holds its content): keep the working client.
            Logger?.LogError("Keeping the current DocumentDB client: {Problem}", e.Message);
            return;
        }
        var old = Interlocked.Exchange(ref _client, next);
        ClientReplaced?.Invoke(next);
        _ = Task.Delay(RetireAfter).ContinueWith(_ => old.Dispose(), TaskScheduler.Default);
    }

    public void Dispose() => Volatile.Read(ref _client).Dispose();
}
