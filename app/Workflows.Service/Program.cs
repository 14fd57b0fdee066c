using Microsoft.Extensions.Options;
using Workflows.Service.Api;
using Workflows.Service.OperatorConsole;
using Workflows.Service.Hosting;
using Workflows.Service.Options;

// The workflow service. One binary, three roles (Workflows:Role = api | worker | all); see README "The service".
var builder = WebApplication.CreateBuilder(args);

builder.AddScalingSignals();
builder.AddWorkflowEngine();
builder.AddWorkflowStorage();
builder.AddWorkflowCache();
builder.AddExecutionQueue();
builder.AddWorkflowApi();

var app = builder.Build();

app.UseMiddleware<Workflows.Service.Metrics.RequestTimingMiddleware>();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.RateLimit.Enabled) app.UseRateLimiter(); // per key: after authentication
app.UseAuthorization();

app.MapHealthEndpoints();
if (app.Services.GetRequiredService<IOptions<ServiceOptions>>().Value.RunsApi)
{
    app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
    app.MapNotFoundPage();
    app.MapConsole();
    app.MapGroup("/api").MapWorkflowEndpoints().MapExecutionEndpoints().MapSignalEndpoints();
}

var mode = app.Services.GetRequiredService<ExecutionModeInfo>();
app.Logger.LogInformation("Workflow service starting: role {Role}, execution mode {Mode}, storage {Storage}",
    mode.Role.ToString().ToLowerInvariant(), mode.Mode.ToString().ToLowerInvariant(),
    app.Configuration.GetValue("Storage:Provider", StorageProvider.Sqlite).ToString().ToLowerInvariant());

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
