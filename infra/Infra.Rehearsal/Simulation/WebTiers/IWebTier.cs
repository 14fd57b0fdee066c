using Infra.Rehearsal.Load;

namespace Infra.Rehearsal.Simulation.WebTiers;

/// <summary>
/// The API tier behind the ALB, whichever platform runs it: instances of an Auto Scaling group
/// (<see cref="AsgWebTier"/>) or pods of a Deployment on the workers' cluster (<see cref="PodWebTier"/>). The rehearsal
/// offers it the users' requests each tick and lets its own control loop react.
/// </summary>
public interface IWebTier
{
    /// <summary>The report's heading, e.g. "web (EC2 Auto Scaling)".</summary>
    string Title { get; }
    /// <summary>What one unit of capacity is called: instances, pods.</summary>
    string Unit { get; }
    int MaxCapacity { get; }
    /// <summary>The capacity the scaler asks for now (desired capacity, or the HPA's desired replicas).</summary>
    int Desired { get; }
    /// <summary>The queueing model of one unit of capacity.</summary>
    WebTierLoad Load { get; }

    /// <summary>Units the ALB routes to.</summary>
    int Serving(double t);
    /// <summary>Units whose service answers (routed to or not yet).</summary>
    int InService(double t);

    /// <summary>After the load step of a tick: what the tier's metrics saw.</summary>
    void Observe(double t, double dt, WebTierLoad.Tick tick, double requestsPerSecond, int serving);
    /// <summary>At the end of each CloudWatch minute.</summary>
    void MinuteEnded(double end);
    /// <summary>The tier's control loop for this tick.</summary>
    void Step(double t);
    /// <summary>The tier had enough capacity in this tick: utilisation at or under its scaling target and no backlog.</summary>
    bool Enough(WebTierLoad.Tick tick, int serving);

    IReadOnlyList<(string Name, string Value)> ReportRows();
    IEnumerable<string> Describe();
    /// <summary>What the policies imply before the run.</summary>
    IEnumerable<string> Findings();
    /// <summary>What the run showed.</summary>
    IEnumerable<string> OutcomeFindings(IReadOnlyList<Sample> series, double maxCpuPercent);
    string Assumption { get; }
}
