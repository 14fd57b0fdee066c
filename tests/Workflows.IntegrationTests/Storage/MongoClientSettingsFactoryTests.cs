using MongoDB.Driver;
using Workflows.Service.Options;
using Workflows.Service.Storage.Mongo;

namespace Workflows.IntegrationTests.Storage;

/// <summary>The real driver's settings object, built without a server.</summary>
public class MongoClientSettingsFactoryTests
{
    [Fact]
    public void Defaults_are_the_source_documents_numbers_and_documentdb_safe()
    {
        var s = MongoClientSettingsFactory.Create(new MongoOptions { ConnectionString = "mongodb://db.example:27017/?replicaSet=rs0" });
        Assert.False(s.RetryWrites);
        Assert.Equal(ReadPreference.SecondaryPreferred, s.ReadPreference);
        Assert.Equal(WriteConcern.WMajority, s.WriteConcern);
        Assert.Equal((10, 100), (s.MinConnectionPoolSize, s.MaxConnectionPoolSize));
        Assert.Equal(TimeSpan.FromSeconds(10), s.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(45), s.SocketTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), s.ServerSelectionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), s.HeartbeatInterval);
    }

    [Fact]
    public void Every_number_and_the_read_preference_can_be_set()
    {
        var s = MongoClientSettingsFactory.Create(new MongoOptions
        {
            ConnectionString = "mongodb://db.example:27017", ReadPreference = "primary", MinPoolSize = 1, MaxPoolSize = 5,
            ConnectTimeoutSeconds = 2, SocketTimeoutSeconds = 3, ServerSelectionTimeoutSeconds = 4, HeartbeatSeconds = 5, RetryWrites = true,
        });
        Assert.Equal(ReadPreference.Primary, s.ReadPreference);
        Assert.Equal((1, 5, true), (s.MinConnectionPoolSize, s.MaxConnectionPoolSize, s.RetryWrites));
        Assert.Equal(TimeSpan.FromSeconds(5), s.HeartbeatInterval);
    }

    [Fact]
    public void A_ca_bundle_turns_on_tls_with_a_custom_validator()
    {
        var pem = Path.GetTempFileName();
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=test-ca", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(pem, ca.ExportCertificatePem());

            var s = MongoClientSettingsFactory.Create(new MongoOptions { ConnectionString = "mongodb://db.example:27017", TlsCaFile = pem });
            Assert.True(s.UseTls);
            Assert.NotNull(s.SslSettings.ServerCertificateValidationCallback);
        }
        finally
        {
            File.Delete(pem);
        }
    }

    [Theory]
    [InlineData(null, "ConnectionString is required")]
    [InlineData("bogus", "ReadPreference 'bogus'")]
    public void Bad_settings_name_the_key(string? readPreferenceOrNull, string expected)
    {
        var options = readPreferenceOrNull is null
            ? new MongoOptions()
            : new MongoOptions { ConnectionString = "mongodb://db.example", ReadPreference = readPreferenceOrNull };
        var e = Assert.Throws<InvalidOperationException>(() => MongoClientSettingsFactory.Create(options));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_missing_ca_file_is_named()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            MongoClientSettingsFactory.Create(new MongoOptions { ConnectionString = "mongodb://db.example", TlsCaFile = "/nope/rds.pem" }));
        Assert.Contains("/nope/rds.pem", e.Message);
    }
}
