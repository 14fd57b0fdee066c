using Microsoft.Extensions.Options;
using Workflows.Core.Engine;
using Workflows.Core.Expressions;
using Workflows.Core.Nodes;
using Workflows.Core.Runtime;
using Workflows.Core.Validation;
using Workflows.Service.Options;

namespace Workflows.Service.Hosting;

public static class CoreExtensions
{
    /// <summary>Engine, node types, validation and the execution runner, configured from section <c>Engine</c>.</summary>
    public static IHostApplicationBuilder AddWorkflowEngine(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EngineSettings>().Bind(builder.Configuration.GetSection(EngineSettings.Section))
            .Validate(o => o.DefaultNodeTimeoutSeconds is >= 1 and <= 3600, "Engine:DefaultNodeTimeoutSeconds must be from 1 to 3600")
            .Validate(o => o.DefaultExecutionTimeoutSeconds is >= 1 and <= 86_400, "Engine:DefaultExecutionTimeoutSeconds must be from 1 to 86400")
            .Validate(o => o.MaxWaitSeconds is >= 0 and <= 86_400, "Engine:MaxWaitSeconds must be from 0 to 86400")
            .Validate(o => o.ExpressionTimeoutMilliseconds is >= 1 and <= 60_000, "Engine:ExpressionTimeoutMilliseconds must be from 1 to 60000")
            .Validate(o => o.ExpressionMemoryLimitMegabytes is >= 1 and <= 1024, "Engine:ExpressionMemoryLimitMegabytes must be from 1 to 1024")
            .Validate(o => o.ExpressionMaxArrayLength is >= 1 and <= 100_000_000, "Engine:ExpressionMaxArrayLength must be from 1 to 100000000")
            .Validate(o => o.HttpMaxResponseKilobytes is >= 1 and <= 102_400, "Engine:HttpMaxResponseKilobytes must be from 1 to 102400")
            .ValidateOnStart();

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => Settings(sp).ToExpressionOptions());
        services.AddSingleton<ExpressionEvaluator>();
        services.AddSingleton(sp => new EngineOptions
        {
            DefaultNodeTimeout = TimeSpan.FromSeconds(Settings(sp).DefaultNodeTimeoutSeconds),
            DefaultExecutionTimeout = TimeSpan.FromSeconds(Settings(sp).DefaultExecutionTimeoutSeconds),
        });
        services.AddSingleton<INodeHandler, SetNode>();
        services.AddSingleton<INodeHandler, IfNode>();
        services.AddSingleton<INodeHandler>(sp => new WaitNode(sp.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(Settings(sp).MaxWaitSeconds)));
        services.AddSingleton<INodeHandler>(sp => new HttpNode(new OutboundHttpPolicy
        {
            AllowedHosts = Settings(sp).HttpAllowedHosts,
            AllowPrivateNetworks = Settings(sp).HttpAllowPrivateNetworks,
            MaxResponseBytes = Settings(sp).HttpMaxResponseKilobytes * 1024L,
        }));
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton(new WorkflowLimits());
        services.AddSingleton<WorkflowValidator>();
        services.AddSingleton<WorkflowEngine>();
        services.AddSingleton<RunningExecutions>();
        services.AddSingleton<ExecutionRunner>();
        return builder;
    }

    private static EngineSettings Settings(IServiceProvider sp) => sp.GetRequiredService<IOptions<EngineSettings>>().Value;

    private static ExpressionOptions ToExpressionOptions(this EngineSettings s) => new()
    {
        Timeout = TimeSpan.FromMilliseconds(s.ExpressionTimeoutMilliseconds),
        MemoryLimitBytes = s.ExpressionMemoryLimitMegabytes * 1024L * 1024L,
        MaxArrayLength = (uint)s.ExpressionMaxArrayLength,
    };
}
