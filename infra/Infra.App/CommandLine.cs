namespace Infra.App;

public sealed record CommandLine(string? Environment, string StacksDir, string OutDir)
{
    public const string Usage = "usage: dotnet run --project infra/Infra.App [-- --env NAME] [--stacks DIR] [--out DIR]";

    public static CommandLine Parse(string[] args)
    {
        string? env = null, stacks = "stacks", outDir = "cdk.out";
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new CommandLineException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--env": env = Value(); break;
                case "--stacks": stacks = Value(); break;
                case "--out": outDir = Value(); break;
                case "-h" or "--help": throw new CommandLineException("help");
                default: throw new CommandLineException($"unknown argument '{args[i]}'");
            }
        }
        return new CommandLine(env, stacks, outDir);
    }
}

public sealed class CommandLineException(string message) : Exception(message);
