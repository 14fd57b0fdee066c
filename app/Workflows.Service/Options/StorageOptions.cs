namespace Workflows.Service.Options;

/// <summary>Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>sqlite</c> (embedded default) or <c>mongodb</c> (MongoDB or Amazon DocumentDB).</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Folder for the SQLite file (<c>workflows.db</c>); created when missing.</summary>
    public string DataDirectory { get; set; } = "data";

    public MongoOptions MongoDb { get; set; } = new();
}

public enum StorageProvider { Sqlite, MongoDb }

/// <summary>Section <c>Storage:MongoDb</c>. Defaults are the source document's pool and timeout numbers.</summary>
public sealed class MongoOptions
{
    public string? ConnectionString { get; set; }
    public string Database { get; set; } = "workflows";

    /// <summary>Reads go here (the document's read/write split); writes always go to the primary.</summary>
    public string ReadPreference { get; set; } = "secondaryPreferred";

    /// <summary>Amazon DocumentDB does not support retryable writes: keep false there.</summary>
    public bool RetryWrites { get; set; }

    /// <summary>A JSON file with <c>username</c> and <c>password</c> (the shape of a DocumentDB Secrets Manager secret),
    /// used instead of credentials in the connection string.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>PEM bundle of CAs to trust for TLS (DocumentDB: the RDS global bundle). Unset: the system store.</summary>
    public string? TlsCaFile { get; set; }

    public int MinPoolSize { get; set; } = 10;
    public int MaxPoolSize { get; set; } = 100;
    public int ConnectTimeoutSeconds { get; set; } = 10;
    public int SocketTimeoutSeconds { get; set; } = 45;
    public int ServerSelectionTimeoutSeconds { get; set; } = 30;
    public int HeartbeatSeconds { get; set; } = 10;
}
