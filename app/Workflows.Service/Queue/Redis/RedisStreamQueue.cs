using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Ports;
using Workflows.Service.Options;

namespace Workflows.Service.Queue.Redis;

/// <summary>
/// The <c>queue</c> execution mode's producer side: one Redis Stream read by a consumer group. Workers delete
/// entries once acknowledged, so XLEN (O(1)) is the backlog: entries not yet delivered plus those delivered and
/// not acknowledged. After each XADD a notification on a pub/sub channel wakes idle workers at once.
/// </summary>
public sealed class RedisStreamQueue(IConnectionMultiplexer redis, IOptions<QueueOptions> options) : IExecutionQueue, ICancellationBroadcaster
{
    public const string ExecutionIdField = "executionId";

    private readonly QueueOptions _options = options.Value;

    public static RedisChannel WakeChannel(QueueOptions o) => RedisChannel.Literal(o.StreamKey + ":wake");
    public static RedisChannel CancelChannel(QueueOptions o) => RedisChannel.Literal(o.StreamKey + ":cancel");

    public async Task<long> GetBacklogAsync(CancellationToken ct) =>
        await redis.GetDatabase().StreamLengthAsync(_options.StreamKey);

    public async Task PublishAsync(string executionId, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        await db.StreamAddAsync(_options.StreamKey, ExecutionIdField, executionId);
        // Best effort: a lost wake-up costs one poll interval, not the execution.
        _ = redis.GetSubscriber().PublishAsync(WakeChannel(_options), executionId, CommandFlags.FireAndForget);
    }

    public async Task BroadcastAsync(string executionId, CancellationToken ct) =>
        await redis.GetSubscriber().PublishAsync(CancelChannel(_options), executionId);
}
