using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Where the sampled allocations of a trace come from: the top types, and the top frames of our code and the libraries
// on the request path, each inclusive (a frame counts every allocation below it once).
// Usage: Workflows.Bench.Allocations <file.nettrace> [types=25] [frames=40]
if (args.Length == 0 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Workflows.Bench.Allocations <file.nettrace> [types=25] [frames=40]");
    return 2;
}
var topTypes = args.Length > 1 ? int.Parse(args[1]) : 25;
var topFrames = args.Length > 2 ? int.Parse(args[2]) : 40;
string[] ours = ["Workflows.", "Polly", "AspNetCore", "StackExchange", "Sqlite", "Text.Json"];

using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var byType = new Dictionary<string, long>();
var byFrame = new Dictionary<string, long>();
long total = 0;
foreach (var e in log.Events)
{
    if (e is not GCAllocationTickTraceData tick) continue;
    var bytes = tick.AllocationAmount64; // each tick stands for ~100 KB allocated, attributed to the object that crossed it
    total += bytes;
    byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + bytes;
    var seen = new HashSet<string>();
    for (var frame = e.CallStack(); frame is not null; frame = frame.Caller)
    {
        var name = frame.CodeAddress.FullMethodName;
        if (string.IsNullOrEmpty(name) || !ours.Any(name.Contains)) continue;
        if (name.Length > 140) name = name[..140];
        if (seen.Add(name)) byFrame[name] = byFrame.GetValueOrDefault(name) + bytes;
    }
}
if (total == 0)
{
    Console.Error.WriteLine($"{args[0]}: no AllocationTick events (collect with Microsoft-Windows-DotNETRuntime:0x1:5)");
    return 1;
}
Console.WriteLine($"sampled allocations: {total / 1e6:0.0} MB");
Console.WriteLine("--- by type");
foreach (var (name, bytes) in byType.OrderByDescending(x => x.Value).Take(topTypes))
    Console.WriteLine($"{100.0 * bytes / total,6:0.0} %  {(name.Length > 120 ? name[..120] : name)}");
Console.WriteLine("--- by frame (inclusive)");
foreach (var (name, bytes) in byFrame.OrderByDescending(x => x.Value).Take(topFrames))
    Console.WriteLine($"{100.0 * bytes / total,6:0.0} %  {name}");
return 0;
