using StackExchange.Redis;

namespace Workflows.Service.Queue.Redis;

/// <summary>
/// Wakes idle workers after executions were added to the stream, with at most one notification per
/// <see cref="IntervalMilliseconds"/>: one PUBLISH per execution cost a Redis command per POST, and every subscribed
/// worker handled each message even while busy. No addition goes unannounced: a request that finds a wake-up owed
/// is covered by it, because the owed flag is cleared before the PUBLISH is sent, never after.
/// </summary>
internal sealed class WakePublisher(IConnectionMultiplexer redis, RedisChannel channel)
{
    /// <summary>An idle worker hears of new work at most this much later than it would with one message per entry.</summary>
    public const int IntervalMilliseconds = 2;

    private int _owed;    // 1: an entry was added since the last PUBLISH was sent
    private int _sending; // 1: the send loop runs

    /// <summary>Call after an entry was added (its XADD answered).</summary>
    public void Request()
    {
        if (Interlocked.Exchange(ref _owed, 1) == 1) return; // the owed wake-up is sent after this point: it covers this entry
        if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0) _ = SendAsync();
    }

    private async Task SendAsync()
    {
        while (true)
        {
            Interlocked.Exchange(ref _owed, 0); // entries added from here on need the next PUBLISH
            try
            {
                // Best effort: a lost wake-up costs one poll interval, not the execution.
                await redis.GetSubscriber().PublishAsync(channel, "", CommandFlags.FireAndForget);
            }
            catch (Exception e) when (e is RedisException or TimeoutException) { }
            await Task.Delay(IntervalMilliseconds);
            if (Volatile.Read(ref _owed) == 1) continue;
            Volatile.Write(ref _sending, 0);
            // A request between the check and the release found the loop running and left the wake-up to it.
            if (Volatile.Read(ref _owed) == 0 || Interlocked.CompareExchange(ref _sending, 1, 0) != 0) return;
        }
    }
}
