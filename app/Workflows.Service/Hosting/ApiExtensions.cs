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
        var maxBody = builder.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.MaxRequestBodyBytes ?? new ApiOptions().MaxRequestBodyBytes;
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

        var role = builder.Configuration.GetSection(ServiceOptions.Section).Get<ServiceOptions>() ?? new ServiceOptions();
        builder.AddApiKeyAuth(requireKeys: role.RunsApi);
        return builder;
    }
}
