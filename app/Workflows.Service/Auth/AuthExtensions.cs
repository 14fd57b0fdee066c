using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Workflows.Service.Secrets;

namespace Workflows.Service.Auth;

public static class AuthExtensions
{
    public const string ReadPolicy = "read";
    public const string WritePolicy = "write";

    /// <summary>
    /// API-key authentication with read and write policies (write implies read). With no keys configured the
    /// API role refuses to start outside Development; in Development it makes a one-off key and logs it once.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeyAuth(this IHostApplicationBuilder builder, bool requireKeys)
    {
        builder.Services.Configure<ApiKeyOptions>(builder.Configuration.GetSection(ApiKeyOptions.Section));
        builder.Services.AddOptions<ApiKeyOptions>()
            .Validate(o => o.ApiKeys.All(k => string.IsNullOrEmpty(k.Sha256) != string.IsNullOrEmpty(k.File)),
                "Auth:ApiKeys:* must set exactly one of Sha256 and File")
            .Validate(o => o.ApiKeys.All(k => !string.IsNullOrEmpty(k.File) || (k.Sha256.Length == 64 && k.Sha256.All(Uri.IsHexDigit))),
                "Auth:ApiKeys:*:Sha256 must be 64 hex characters (the SHA-256 of the key)")
            .Validate(o => o.ApiKeys.All(k => k.Scopes.Count > 0 && k.Scopes.All(s => s is Scopes.Read or Scopes.Write)),
                "Auth:ApiKeys:*:Scopes must list 'read' and/or 'write'")
            .Validate(o => o.ApiKeys.All(k => !string.IsNullOrWhiteSpace(k.Name)), "Auth:ApiKeys:*:Name is required")
            .ValidateOnStart();

        if (requireKeys && !builder.Configuration.GetSection(ApiKeyOptions.Section).GetSection("ApiKeys").GetChildren().Any())
        {
            if (!builder.Environment.IsDevelopment())
                throw new InvalidOperationException(
                    "Auth:ApiKeys is empty. Configure at least one key hash (see README, 'API keys'); only Development generates a temporary key.");
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            builder.Services.PostConfigure<ApiKeyOptions>(o => o.ApiKeys.Add(new ApiKeyEntry
            {
                Name = "local",
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))),
                Scopes = [Scopes.Read, Scopes.Write],
            }));
            builder.Services.AddHostedService(sp => new DevelopmentKeyAnnouncer(key, sp.GetRequiredService<ILogger<DevelopmentKeyAnnouncer>>()));
        }

        // Key files are opened now, so a missing one stops start-up naming its setting; the watcher re-reads them.
        var files = new List<(ApiKeyEntry, SecretFile)>();
        var configured = builder.Configuration.GetSection(ApiKeyOptions.Section).Get<ApiKeyOptions>()?.ApiKeys ?? [];
        for (var i = 0; i < configured.Count; i++)
        {
            if (string.IsNullOrEmpty(configured[i].File)) continue;
            var file = new SecretFile(configured[i].File!, $"Auth:ApiKeys:{i}:File");
            builder.Services.AddSecretFile(file);
            files.Add((configured[i], file));
        }
        builder.Services.AddSingleton(sp => new ApiKeyRing(sp.GetRequiredService<IOptions<ApiKeyOptions>>().Value.ApiKeys, files));

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.RequireClaim(Scopes.ClaimType, Scopes.Read, Scopes.Write))
            .AddPolicy(WritePolicy, p => p.RequireClaim(Scopes.ClaimType, Scopes.Write));
        return builder;
    }

    private sealed class DevelopmentKeyAnnouncer(string key, ILogger<DevelopmentKeyAnnouncer> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            logger.LogWarning("No API keys configured (Development): this process accepts the temporary key {ApiKey} in the {Header} header",
                key, ApiKeyOptions.HeaderName);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
