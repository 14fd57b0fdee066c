using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.Service.Queue.Redis;

namespace Workflows.IntegrationTests.Queue;

/// <summary>The coalesced wake-up against a real redis-server: far fewer messages than entries, none owed at the end.</summary>
public sealed class WakePublisherTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task A_burst_of_requests_sends_few_messages_and_the_last_one_after_the_last_request()
    {
        var channel = RedisChannel.Literal("wake-test:" + Guid.NewGuid().ToString("N"));
        var received = new ConcurrentQueue<long>();
        var subscriber = redis.Connection.GetSubscriber();
        await subscriber.SubscribeAsync(channel, (_, _) => received.Enqueue(Stopwatch.GetTimestamp()));
        var wake = new WakePublisher(redis.Connection, channel);

        var clock = Stopwatch.StartNew();
        // Each thread's last request, timed before the call: the message covering it is sent after the call began.
        var lastRequests = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            long last = 0;
            for (var i = 0; i < 500; i++)
            {
                last = Stopwatch.GetTimestamp();
                wake.Request();
                if (i % 50 == 0) await Task.Delay(1);
            }
            return last;
        })));
        var lastRequest = lastRequests.Max();
        var requested = clock.Elapsed;

        // The loop sends the owed message within its interval; allow the round trip on a busy machine.
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 5;
        while (Stopwatch.GetTimestamp() < deadline && (received.IsEmpty || received.Max() < lastRequest)) await Task.Delay(10);

        Assert.NotEmpty(received);
        Assert.True(received.Max() >= lastRequest, "no wake-up arrived after the last request");
        // At most one per interval while requests came, plus the trailing one (and slack for timer granularity).
        var bound = requested.TotalMilliseconds / WakePublisher.IntervalMilliseconds + 5;
        Assert.True(received.Count <= bound, $"{received.Count} messages for 2,000 requests in {requested.TotalMilliseconds:F0} ms (bound {bound:F0})");
        Assert.True(received.Count < 2000 / 4, $"{received.Count} messages for 2,000 requests");
        await subscriber.UnsubscribeAsync(channel);
    }
}
