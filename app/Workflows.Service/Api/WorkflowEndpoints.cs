using System.Security.Claims;
using Workflows.Core.Domain;
using Workflows.Core.Ports;
using Workflows.Core.Runtime;
using Workflows.Core.Validation;
using Workflows.Service.Auth;
using Workflows.Service.Caching;

namespace Workflows.Service.Api;

/// <summary>/api/workflows: CRUD with optimistic concurrency, execute, and a workflow's executions.</summary>
public static class WorkflowEndpoints
{
    public static RouteGroupBuilder MapWorkflowEndpoints(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows").WithTags("Workflows");

        workflows.MapGet("/", ListAsync).RequireAuthorization(AuthExtensions.ReadPolicy)
            .WithSummary("List workflows, newest first; filters: active, name (prefix), owner; paging: limit (1-100), offset.");
        workflows.MapPost("/", CreateAsync).RequireAuthorization(AuthExtensions.WritePolicy).WithSummary("Create a workflow.");
        workflows.MapGet("/{id}", GetAsync).RequireAuthorization(AuthExtensions.ReadPolicy).WithSummary("Get a workflow.");
        workflows.MapPut("/{id}", UpdateAsync).RequireAuthorization(AuthExtensions.WritePolicy)
            .WithSummary("Replace a workflow; the body's version must be the stored one (409 otherwise).");
        workflows.MapDelete("/{id}", DeleteAsync).RequireAuthorization(AuthExtensions.WritePolicy).WithSummary("Delete a workflow.");
        workflows.MapPost("/{id}/execute", ExecuteAsync).RequireAuthorization(AuthExtensions.WritePolicy)
            .WithSummary("Queue an execution; 202 with its id and URL, 503 with Retry-After when the backlog is full.");
        workflows.MapGet("/{id}/executions", ListExecutionsAsync).RequireAuthorization(AuthExtensions.ReadPolicy)
            .WithSummary("A workflow's executions, newest first.");
        return api;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, HttpResponse response, IWorkflowStore store, RenderedListCache rendered,
        Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = Query.Paging(request, errors);
        bool? active = null;
        if (request.Query.TryGetValue("active", out var a))
        {
            if (bool.TryParse(a, out var parsed)) active = parsed;
            else errors["active"] = [$"'{a}' is not true or false"];
        }
        if (errors.Count > 0) return Results.ValidationProblem(errors);

        var name = request.Query["name"].FirstOrDefault();
        var owner = request.Query["owner"].FirstOrDefault();
        var query = new WorkflowQuery(active, string.IsNullOrEmpty(name) ? null : name, string.IsNullOrEmpty(owner) ? null : owner, page);
        // The bytes rendered once per page (see RenderedListCache), with an ETag: a client holding them gets a 304.
        var cached = await rendered.GetAsync(query, async token =>
        {
            var result = await store.ListAsync(query, token);
            return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new PageResponse<Workflow>(result.Items, result.Offset, result.Limit, result.HasMore), json.Value.SerializerOptions);
        }, ct);
        response.Headers.ETag = cached.ETag;
        var etag = Microsoft.Net.Http.Headers.EntityTagHeaderValue.Parse(cached.ETag);
        if (request.GetTypedHeaders().IfNoneMatch.Any(t => t.Equals(Microsoft.Net.Http.Headers.EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(cached.Body, "application/json; charset=utf-8");
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal user, IWorkflowStore store, WorkflowValidator validator, TimeProvider time, CancellationToken ct)
    {
        var (draft, problem) = await JsonBody.ReadAsync<WorkflowDraft>(request);
        if (problem is not null) return problem;
        if (draft!.Version is not null) return Invalid("version", "is assigned by the server; omit it when creating");

        var now = time.GetUtcNow();
        var workflow = ToWorkflow(draft, WorkflowJson.NewWorkflowId(), draft.Owner ?? user.Identity?.Name ?? "", version: 1, now, now);
        var errors = validator.Validate(workflow);
        if (errors.Count > 0) return ValidationProblem(errors);

        await store.InsertAsync(workflow, ct);
        return Results.Created($"/api/workflows/{workflow.Id}", workflow);
    }

    private static async Task<IResult> GetAsync(string id, IWorkflowStore store, CancellationToken ct) =>
        await store.GetAsync(id, ct) is { } workflow ? Results.Ok(workflow) : NotFound("workflow", id);

    private static async Task<IResult> UpdateAsync(string id, HttpRequest request, IWorkflowStore store, WorkflowValidator validator, TimeProvider time, CancellationToken ct)
    {
        var (draft, problem) = await JsonBody.ReadAsync<WorkflowDraft>(request);
        if (problem is not null) return problem;
        if (draft!.Version is not { } expected) return Invalid("version", "is required: send the version you read, for optimistic concurrency");

        var existing = await store.GetAsync(id, ct);
        if (existing is null) return NotFound("workflow", id);

        var workflow = ToWorkflow(draft, id, draft.Owner ?? existing.Owner, expected, existing.CreatedAt, time.GetUtcNow());
        var errors = validator.Validate(workflow);
        if (errors.Count > 0) return ValidationProblem(errors);

        try
        {
            return await store.UpdateAsync(workflow, expected, ct) is { } stored ? Results.Ok(stored) : NotFound("workflow", id);
        }
        catch (VersionConflictException e)
        {
            return Results.Problem(statusCode: 409, title: "Version conflict",
                detail: $"Workflow '{id}' is at version {e.Actual}; the update was based on version {e.Expected}. Read it again and reapply your change.");
        }
    }

    private static async Task<IResult> DeleteAsync(string id, IWorkflowStore store, CancellationToken ct) =>
        await store.DeleteAsync(id, ct) ? Results.NoContent() : NotFound("workflow", id);

    private static async Task<IResult> ExecuteAsync(string id, HttpRequest request, HttpResponse response, IWorkflowStore store, ExecutionDispatcher dispatcher, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<ExecuteRequest>(request, optional: true);
        if (problem is not null) return problem;

        var workflow = await store.GetAsync(id, ct);
        if (workflow is null) return NotFound("workflow", id);

        switch (await dispatcher.DispatchAsync(workflow, body?.Input, ct))
        {
            case DispatchResult.Accepted accepted:
                var url = $"/api/executions/{accepted.Execution.Id}";
                return Results.Accepted(url, new ExecutionAccepted(accepted.Execution.Id, accepted.Execution.Status.ToWire(), url));
            case DispatchResult.Rejected rejected:
                response.Headers.RetryAfter = ((int)Math.Ceiling(rejected.RetryAfter.TotalSeconds)).ToString();
                return Results.Problem(statusCode: 503, title: "Queue full",
                    detail: $"{rejected.Backlog} executions are waiting (limit Queue:MaxBacklog). Nothing was stored; retry after {rejected.RetryAfter.TotalSeconds:0} s.");
            default:
                throw new InvalidOperationException("Unknown dispatch result.");
        }
    }

    private static async Task<IResult> ListExecutionsAsync(string id, HttpRequest request, IWorkflowStore workflows, IExecutionStore executions, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = Query.Paging(request, errors);
        if (errors.Count > 0) return Results.ValidationProblem(errors);
        if (await workflows.GetAsync(id, ct) is null) return NotFound("workflow", id);

        var result = await executions.ListByWorkflowAsync(id, page, ct);
        return Results.Ok(new PageResponse<Execution>(result.Items, result.Offset, result.Limit, result.HasMore));
    }

    private static Workflow ToWorkflow(WorkflowDraft d, string id, string owner, long version, DateTimeOffset created, DateTimeOffset updated) => new()
    {
        Id = id,
        Name = d.Name ?? "",
        Owner = owner,
        Active = d.Active,
        Version = version,
        CreatedAt = created,
        UpdatedAt = updated,
        Nodes = d.Nodes ?? [],
        Connections = d.Connections ?? [],
        Settings = d.Settings ?? new(),
    };

    internal static IResult NotFound(string what, string id) =>
        Results.Problem(statusCode: 404, title: $"Unknown {what}", detail: $"No {what} has id '{id}'.");

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static IResult ValidationProblem(IReadOnlyList<ValidationError> errors) =>
        Results.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()),
            title: "The workflow is not valid");
}
