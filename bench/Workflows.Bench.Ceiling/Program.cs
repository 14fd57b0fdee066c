// The HTTP ceiling of bench/service.sh: what Kestrel alone serves on this machine with the same body as the service's
// GET /api/workflows (no auth, no routing beyond one endpoint, no cache, no JSON). Usage: Ceiling <body file>; the
// address comes from ASPNETCORE_URLS.
var body = File.ReadAllBytes(args[0]);
var builder = WebApplication.CreateSlimBuilder(args[1..]);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.MapGet("/", () => Results.Bytes(body, "application/json; charset=utf-8"));
app.Run();
