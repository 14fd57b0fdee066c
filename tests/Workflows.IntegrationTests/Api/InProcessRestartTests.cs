using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Workflows.Core.Domain;
using Workflows.IntegrationTests.Infrastructure;
using static Workflows.IntegrationTests.Infrastructure.ServiceFactory;

namespace Workflows.IntegrationTests.Api;

/// <summary>In-process mode keeps queued work in memory only; a restart must still finish it from the store.</summary>
public sealed class InProcessRestartTests
{
    [Fact]
    public async Task Executions_interrupted_by_a_stop_finish_after_the_next_start()
    {
        using var data = new TempDirectory();
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = data.Path,
            ["Workflows:ShutdownGraceSeconds"] = "0",
            ["Queue:Concurrency"] = "1",
        };

        List<string> ids = [];
        await using (var first = new ServiceFactory(settings))
        {
            var client = first.Client();
            var workflow = await CreateWorkflowAsync(client, WaitingWorkflow(1500));
            for (var i = 0; i < 3; i++)
                ids.Add((await (await client.PostAsync($"/api/workflows/{workflow.Id}/execute", null)).Content.ReadFromJsonAsync<JsonObject>())!["executionId"]!.GetValue<string>());
            await Task.Delay(300); // one running, two queued in memory
        }

        await using var second = new ServiceFactory(settings);
        var after = second.Client();
        foreach (var id in ids)
            Assert.Equal(ExecutionStatus.Succeeded, (await WaitForTerminalAsync(after, id, TimeSpan.FromSeconds(30))).Status);
    }
}
