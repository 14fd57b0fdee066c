using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MongoDB.Driver;
using Workflows.Service.Options;

namespace Workflows.Service.Storage.Mongo;

/// <summary>
/// Driver settings for MongoDB and Amazon DocumentDB. DocumentDB specifics: no retryable writes
/// (<c>retryWrites=false</c>), TLS with the RDS CA bundle, and a replica-set connection for read preferences.
/// </summary>
public static class MongoClientSettingsFactory
{
    /// <param name="options">Section <c>Storage:MongoDb</c>.</param>
    /// <param name="credentialsJson">The credentials file's content when the caller already read it (a rotation);
    /// otherwise <see cref="MongoOptions.CredentialsFile"/> is read here.</param>
    public static MongoClientSettings Create(MongoOptions options, string? credentialsJson = null)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
            throw new InvalidOperationException("Storage:MongoDb:ConnectionString is required when Storage:Provider is mongodb.");

        var settings = MongoClientSettings.FromConnectionString(options.ConnectionString);
        settings.RetryWrites = options.RetryWrites;
        settings.ReadPreference = ParseReadPreference(options.ReadPreference);
        settings.WriteConcern = WriteConcern.WMajority;
        settings.MinConnectionPoolSize = options.MinPoolSize;
        settings.MaxConnectionPoolSize = options.MaxPoolSize;
        settings.ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds);
        settings.SocketTimeout = TimeSpan.FromSeconds(options.SocketTimeoutSeconds);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(options.ServerSelectionTimeoutSeconds);
        settings.HeartbeatInterval = TimeSpan.FromSeconds(options.HeartbeatSeconds);

        if (!string.IsNullOrWhiteSpace(options.CredentialsFile))
        {
            var (user, password) = ParseCredentials(credentialsJson ?? ReadCredentialsFile(options.CredentialsFile), options.CredentialsFile);
            settings.Credential = MongoCredential.CreateCredential("admin", user, password);
        }

        if (!string.IsNullOrWhiteSpace(options.TlsCaFile))
        {
            if (!File.Exists(options.TlsCaFile))
                throw new InvalidOperationException($"Storage:MongoDb:TlsCaFile '{options.TlsCaFile}' does not exist.");
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(options.TlsCaFile);
            settings.UseTls = true;
            settings.SslSettings = new SslSettings
            {
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                ServerCertificateValidationCallback = (_, certificate, _, errors) => ValidateAgainst(roots, certificate, errors),
            };
        }
        return settings;
    }

    private static string ReadCredentialsFile(string file) => File.Exists(file)
        ? File.ReadAllText(file)
        : throw new InvalidOperationException($"Storage:MongoDb:CredentialsFile '{file}' does not exist.");

    private static (string User, string Password) ParseCredentials(string json, string file)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var user = doc.RootElement.GetProperty("username").GetString();
            var password = doc.RootElement.GetProperty("password").GetString();
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password)) throw new KeyNotFoundException();
            return (user, password);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // Never echo the file's content: it is a secret.
            throw new InvalidOperationException($"Storage:MongoDb:CredentialsFile '{file}' must be JSON with non-empty \"username\" and \"password\".");
        }
    }

    public static ReadPreference ParseReadPreference(string value) => value.ToLowerInvariant() switch
    {
        "primary" => ReadPreference.Primary,
        "primarypreferred" => ReadPreference.PrimaryPreferred,
        "secondary" => ReadPreference.Secondary,
        "secondarypreferred" => ReadPreference.SecondaryPreferred,
        "nearest" => ReadPreference.Nearest,
        _ => throw new InvalidOperationException(
            $"Storage:MongoDb:ReadPreference '{value}' is not one of primary, primaryPreferred, secondary, secondaryPreferred, nearest."),
    };

    /// <summary>Trusts only the given roots (the RDS bundle), and still requires a matching host name.</summary>
    private static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
