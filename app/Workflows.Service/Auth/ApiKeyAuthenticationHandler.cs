using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Workflows.Service.Auth;

/// <summary>Authenticates <c>X-Api-Key</c> by hashing it and comparing with the configured hashes in constant time.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRing keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyOptions.HeaderName, out var values) || string.IsNullOrEmpty(values.ToString()))
            return Task.FromResult(AuthenticateResult.NoResult());

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(values.ToString()));
        ApiKeyEntry? match = null;
        foreach (var key in keys.Keys)
        {
            // Compare every key (no early exit) so timing does not tell which key nearly matched.
            if (CryptographicOperations.FixedTimeEquals(presented, key.Hash)) match ??= key.Owner;
        }
        if (match is null) return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(match.Scopes.Select(s => new Claim(Scopes.ClaimType, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties) =>
        await Problems.Write(Context, StatusCodes.Status401Unauthorized, "Authentication required",
            $"Send a valid API key in the {ApiKeyOptions.HeaderName} header.");

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Problems.Write(Context, StatusCodes.Status403Forbidden, "Missing scope",
            "The API key does not have the scope this operation needs.");
}
