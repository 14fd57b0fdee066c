using Workflows.ScalingSignals;
using Workflows.Service.Metrics;

namespace Workflows.IntegrationTests.Metrics;

/// <summary>The service side of the contract: what the recorder publishes is exactly the contract's signals.</summary>
public class PublishedSignalsTests
{
    [Fact]
    public void The_service_publishes_every_signal_with_its_contract_unit_and_dimensions()
    {
        var recorder = new SignalRecorder();
        recorder.RecordResponse(12);
        var data = recorder.Drain().ToData("dev", queueLength: 3);

        foreach (var signal in Signals.All)
        {
            var published = data.Where(d => d.Name == signal.Name).ToList();
            Assert.True(published.Count > 0, $"{signal.Name} is in the contract but not published");
            Assert.All(published, d =>
            {
                Assert.Equal(signal.UnitName, d.Unit);
                Assert.Equal(signal.Dimensions.Order(), d.Dimensions.Keys.Order());
                Assert.Equal("dev", d.Dimensions[Signals.EnvironmentDimension]);
            });
        }
        Assert.All(data, d => Assert.Contains(Signals.All, s => s.Name == d.Name));
        Assert.Equal(Signals.Statuses, data.Where(d => d.Name == Signals.WorkflowExecutions.Name).Select(d => d.Dimensions[Signals.StatusDimension]));
    }

    [Theory]
    [InlineData(0.123, 0.12)]
    [InlineData(1234, 1200)]
    [InlineData(57.46, 57)]
    [InlineData(999, 1000)]
    public void Histogram_buckets_keep_two_significant_digits(double value, double bucket) =>
        Assert.Equal(bucket, SignalRecorder.Bucket(value), 6);
}
