using Microsoft.AspNetCore.Http.Json;
using Workflows.Core.Domain;
using Workflows.Service.Api;
using Workflows.Service.Auth;
using Workflows.Service.Options;

namespace Workflows.Service.Hosting;

public static class ApiExtensions
{
    /// <summary>HTTP concerns: JSON shape, problem details, body limits, OpenAPI and API-key auth.</summary>
    public static IHostApplicationBuilder AddWorkflowApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().Bind(builder.Configuration.GetSection(ApiOptions.Section))
            .Validate(o => o.MaxRequestBodyBytes is >= 1024 and <= 64 * 1024 * 1024, "Api:MaxRequestBodyBytes must be from 1024 to 67108864")
            .ValidateOnStart();
        var api = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>() ?? new ApiOptions();
        if (api.RateLimit.PermitsPerSecond is < 1 or > 1_000_000 || api.RateLimit.Burst < 1 || api.RateLimit.Burst > 10_000_000)
            throw new InvalidOperationException("Api:RateLimit:PermitsPerSecond must be from 1 to 1000000 and Api:RateLimit:Burst from 1 to 10000000");
        services.AddPerKeyRateLimit(api.RateLimit);
        var maxBody = api.MaxRequestBodyBytes;
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = maxBody);

        services.Configure<JsonOptions>(o =>
        {
            var shared = WorkflowJson.Options;
            o.SerializerOptions.PropertyNamingPolicy = shared.PropertyNamingPolicy;
            o.SerializerOptions.DefaultIgnoreCondition = shared.DefaultIgnoreCondition;
            foreach (var converter in shared.Converters) o.SerializerOptions.Converters.Add(converter);
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<ExceptionMapping>();
        services.AddOpenApi();
        services.AddHealthChecks();
        services.AddSingleton<OperatorConsole.ConsoleAssets>();

        var role = builder.Configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
        builder.AddApiKeyAuth(requireKeys: role.RunsApi);
        return builder;
    }
}
