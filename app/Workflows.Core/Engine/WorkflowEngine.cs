using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Workflows.Core.Domain;
using Workflows.Core.Expressions;
using Workflows.Core.Nodes;

namespace Workflows.Core.Engine;

/// <summary>
/// Runs one workflow graph. Nodes run one at a time in topological order. A node runs when at least one of its
/// incoming connections was activated (its source succeeded on that output); otherwise it is skipped. A start node
/// (no incoming connections) gets the execution input. A node with several active inputs gets an object keyed by
/// source node name. Each node attempt has a timeout; failed attempts are retried with exponential backoff, except
/// <see cref="PermanentNodeException"/> and <see cref="ExpressionException"/>, which fail at once. The whole run
/// has its own timeout. Cancellation of <c>ct</c> (shutdown, user cancel) propagates as
/// <see cref="OperationCanceledException"/>: the caller knows why it canceled.
/// </summary>
public sealed class WorkflowEngine(NodeRegistry registry, ExpressionEvaluator expressions, EngineOptions options, TimeProvider time)
{
    public async Task<EngineResult> RunAsync(Workflow workflow, Execution execution, CancellationToken ct)
    {
        var runTimeout = workflow.Settings.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : options.DefaultExecutionTimeout;
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        runCts.CancelAfter(runTimeout);

        var results = new List<NodeResult>();
        var outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal); // by id and by name
        var fired = new Dictionary<string, (JsonNode? Data, string Branch)>(StringComparer.Ordinal);
        var names = workflow.Nodes.ToDictionary(n => n.Id, n => n.DisplayName);

        foreach (var node in WorkflowGraph.TopologicalOrder(workflow))
        {
            var incoming = workflow.Connections.Where(c => c.To == node.Id).ToList();
            var active = incoming.Where(c => fired.TryGetValue(c.From, out var f) && f.Branch == c.Output).ToList();
            if (incoming.Count > 0 && active.Count == 0)
            {
                var now = time.GetUtcNow();
                results.Add(new NodeResult { NodeId = node.Id, Status = NodeStatus.Skipped, StartedAt = now, FinishedAt = now });
                continue;
            }

            JsonNode? input = incoming.Count == 0 ? execution.Input?.DeepClone()
                : active.Count == 1 ? fired[active[0].From].Data?.DeepClone()
                : new JsonObject(active.DistinctBy(c => c.From).Select(c =>
                    KeyValuePair.Create(names[c.From], fired[c.From].Data?.DeepClone())));

            var scope = new ExpressionScope(input, execution.Input, outputs, execution.Id, execution.WorkflowId);
            var (result, output) = await RunNodeAsync(node, new NodeContext(node, input, scope, expressions), runCts.Token, ct);

            if (result.Status == NodeStatus.Failed)
            {
                results.Add(result);
                var timedOut = runCts.IsCancellationRequested && !ct.IsCancellationRequested;
                var error = timedOut
                    ? new ExecutionError($"The execution ran longer than its timeout of {runTimeout.TotalSeconds:0.###} s (node '{node.DisplayName}' was running).", node.Id)
                    : new ExecutionError($"Node '{node.DisplayName}' failed: {result.Error}", node.Id);
                return new EngineResult(timedOut ? ExecutionStatus.TimedOut : ExecutionStatus.Failed, null, results, error);
            }

            results.Add(result);
            fired[node.Id] = (output!.Data, output.Branch);
            outputs[node.Id] = output.Data;
            outputs[node.DisplayName] = output.Data;
        }

        return new EngineResult(ExecutionStatus.Succeeded, FinalOutput(workflow, fired, names), results, null);
    }

    private async Task<(NodeResult, NodeOutput?)> RunNodeAsync(WorkflowNode node, NodeContext context, CancellationToken runToken, CancellationToken callerToken)
    {
        var handler = registry.Get(node.Type);
        var started = time.GetUtcNow();
        var attempts = 0;
        try
        {
            var output = await BuildPipeline(node).ExecuteAsync(async token =>
            {
                attempts++;
                return await handler.ExecuteAsync(context, token);
            }, runToken);
            return (new NodeResult
            {
                NodeId = node.Id, Status = NodeStatus.Succeeded, Attempts = attempts, StartedAt = started,
                FinishedAt = time.GetUtcNow(), Output = output.Data, Branch = output.Branch == Connection.MainOutput ? null : output.Branch,
            }, output);
        }
        // The caller's cancellation propagates; everything else, the run's own timeout included, fails the node.
        catch (Exception e) when (!(e is OperationCanceledException && callerToken.IsCancellationRequested))
        {
            return (new NodeResult
            {
                NodeId = node.Id, Status = NodeStatus.Failed, Attempts = attempts, StartedAt = started,
                FinishedAt = time.GetUtcNow(), Error = Describe(e),
            }, null);
        }
    }

    private ResiliencePipeline<NodeOutput> BuildPipeline(WorkflowNode node)
    {
        var timeout = node.TimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : options.DefaultNodeTimeout;
        var builder = new ResiliencePipelineBuilder<NodeOutput> { TimeProvider = time };
        var retry = node.Retry ?? new RetryPolicy();
        if (retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<NodeOutput>
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                Delay = TimeSpan.FromMilliseconds(retry.BackoffMs),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<NodeOutput>().Handle<Exception>(e =>
                    e is not (PermanentNodeException or ExpressionException or OperationCanceledException)
                    || e is TimeoutRejectedException),
            });
        }
        return builder.AddTimeout(timeout).Build();
    }

    private static string Describe(Exception e) => e switch
    {
        TimeoutRejectedException t => $"the attempt took longer than its timeout of {t.Timeout.TotalSeconds:0.###} s",
        OperationCanceledException => "the execution's time ran out",
        _ => e.Message,
    };


    /// <summary>The output of the sinks that ran: one sink's data as is, several as an object keyed by node name.</summary>
    private static JsonNode? FinalOutput(Workflow workflow, Dictionary<string, (JsonNode? Data, string Branch)> fired, Dictionary<string, string> names)
    {
        var sources = workflow.Connections.Select(c => c.From).ToHashSet();
        var sinks = workflow.Nodes.Where(n => !sources.Contains(n.Id) && fired.ContainsKey(n.Id)).ToList();
        return sinks.Count == 1
            ? fired[sinks[0].Id].Data?.DeepClone()
            : new JsonObject(sinks.Select(n => KeyValuePair.Create(names[n.Id], fired[n.Id].Data?.DeepClone())));
    }
}
