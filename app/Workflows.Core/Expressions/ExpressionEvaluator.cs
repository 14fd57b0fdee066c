using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Acornima.Ast;
using System.Text.RegularExpressions;
using Jint;
using Jint.Native;
using Jint.Runtime;

namespace Workflows.Core.Expressions;

/// <summary>
/// n8n-style expressions: a string holding <c>{{ js }}</c> is evaluated with Jint in a sandbox (time, memory,
/// statement and recursion limits; no CLR access). A string that is exactly one <c>{{ }}</c> keeps the value's
/// JSON type; text around or between placeholders makes the result a string. Other values pass through unchanged.
/// </summary>
public sealed partial class ExpressionEvaluator(ExpressionOptions options)
{
    [GeneratedRegex(@"\{\{(.+?)\}\}", RegexOptions.Singleline)]
    private static partial Regex Placeholder();

    public static bool ContainsExpression(string? text) => text is not null && Placeholder().IsMatch(text);

    // A workflow runs the same few expressions for every execution: each is parsed and analysed once per process and
    // the prepared script (thread-safe, engine-neutral: limits are read from the engine that runs it) is shared.
    // Bounded, so a stream of distinct expressions cannot grow it; past the bound they are prepared per use.
    private const int MaxPreparedScripts = 4096;
    private static readonly ConcurrentDictionary<string, Prepared<Script>> PreparedScripts = new(StringComparer.Ordinal);

    private static Prepared<Script> Prepare(string code)
    {
        if (PreparedScripts.TryGetValue(code, out var prepared)) return prepared;
        prepared = Jint.Engine.PrepareScript("(" + code + ")", strict: true);
        if (PreparedScripts.Count < MaxPreparedScripts) PreparedScripts.TryAdd(code, prepared);
        return prepared;
    }

    /// <summary>Returns the syntax error of every expression in <paramref name="template"/>, or an empty list.</summary>
    public static IEnumerable<string> CheckSyntax(JsonNode? template)
    {
        foreach (var text in Strings(template))
        {
            foreach (Match m in Placeholder().Matches(text))
            {
                string? error = null;
                try
                {
                    new Acornima.Parser().ParseScript("(" + m.Groups[1].Value + ")");
                }
                catch (Acornima.ParseErrorException e)
                {
                    error = $"'{m.Value}': {e.Description}";
                }
                if (error is not null) yield return error;
            }
        }
    }

    /// <summary>Resolves every expression inside a JSON template (objects and arrays are walked).</summary>
    public JsonNode? Resolve(JsonNode? template, ExpressionScope scope, CancellationToken ct = default)
    {
        Session? session = null;
        try
        {
            return Walk(template, scope, ct, ref session);
        }
        finally
        {
            session?.Dispose();
        }
    }

    /// <summary>Evaluates a template and applies JavaScript truthiness (used by <c>if</c>).</summary>
    public bool IsTruthy(string template, ExpressionScope scope, CancellationToken ct = default)
    {
        var value = Resolve(JsonValue.Create(template), scope, ct);
        return value switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            JsonValue v when v.TryGetValue<double>(out var d) => d != 0 && !double.IsNaN(d),
            JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
            _ => true,
        };
    }

    private JsonNode? Walk(JsonNode? node, ExpressionScope scope, CancellationToken ct, ref Session? session)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj) copy[key] = Walk(value, scope, ct, ref session);
                return copy;
            case JsonArray arr:
                var list = new JsonArray();
                foreach (var item in arr) list.Add(Walk(item, scope, ct, ref session));
                return list;
            case JsonValue value when value.TryGetValue<string>(out var text) && ContainsExpression(text):
                ct.ThrowIfCancellationRequested();
                session ??= new Session(options, scope, ct);
                return session.Render(text);
            default:
                return node?.DeepClone();
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Strings(p.Value)),
        JsonArray arr => arr.SelectMany(Strings),
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        _ => [],
    };

    /// <summary>One Jint engine per resolve call: the scope is loaded once and shared by all placeholders.</summary>
    private sealed class Session : IDisposable
    {
        private readonly Jint.Engine _engine;

        public Session(ExpressionOptions options, ExpressionScope scope, CancellationToken ct)
        {
            _engine = new Jint.Engine(o =>
            {
                o.Strict()
                    .CancellationToken(ct) // node timeouts, cancel and shutdown stop a running expression too
                    .TimeoutInterval(options.Timeout)
                    .LimitMemory(options.MemoryLimitBytes)
                    .MaxStatements(options.MaxStatements)
                    .LimitRecursion(options.MaxRecursionDepth);
                o.Constraints.MaxArraySize = options.MaxArrayLength;
            });
            GuardStringBuiltIns(options.MemoryLimitBytes / 2); // two bytes per UTF-16 code unit

            var nodes = new JsonObject();
            foreach (var (name, output) in scope.NodeOutputs) nodes[name] = new JsonObject { ["json"] = output?.DeepClone() };
            Set("$json", scope.Json);
            Set("$input", scope.Input);
            Set("$node", nodes);
            Set("$execution", new JsonObject { ["id"] = scope.ExecutionId, ["workflowId"] = scope.WorkflowId });
        }

        /// <summary>
        /// The string built-ins that allocate in one native call (<c>'x'.repeat(1e8)</c> is 200 MB before the memory
        /// limit is next checked) refuse a result longer than <paramref name="maxLength"/> with a RangeError. Host
        /// functions rather than a script, so a session pays microseconds for them, not a parse.
        /// </summary>
        private void GuardStringBuiltIns(long maxLength)
        {
            var prototype = _engine.GetValue("String").AsObject().Get("prototype").AsObject();
            void Guard(string name, Func<string, JsValue[], double> resultLength)
            {
                var original = prototype.Get(name);
                var guarded = new Jint.Runtime.Interop.ClrFunction(_engine, name, (self, args) =>
                {
                    if (resultLength(TypeConverter.ToString(self), args) > maxLength)
                        throw new JavaScriptException((Jint.Native.Error.ErrorConstructor)_engine.GetValue("RangeError"),
                            "Invalid string length: over the expression memory limit", new InsufficientMemoryException(name));
                    return _engine.Call(original, self, args);
                });
                prototype.FastSetProperty(name, new Jint.Runtime.Descriptors.PropertyDescriptor(guarded, writable: true, enumerable: false, configurable: true));
            }
            static double Arg(JsValue[] args) => args.Length > 0 ? TypeConverter.ToNumber(args[0]) : 0;
            Guard("repeat", (s, args) => s.Length * Math.Max(0, Arg(args)));
            Guard("padStart", (_, args) => Arg(args));
            Guard("padEnd", (_, args) => Arg(args));
        }

        private void Set(string name, JsonNode? value) =>
            _engine.SetValue(name, value is null ? JsValue.Null : new Jint.Native.Json.JsonParser(_engine).Parse(value.ToJsonString()));

        public JsonNode? Render(string text)
        {
            var matches = Placeholder().Matches(text);
            if (matches.Count == 1 && matches[0].Index == 0 && matches[0].Length == text.Length)
                return Evaluate(matches[0].Groups[1].Value);

            return JsonValue.Create(Placeholder().Replace(text, m => Evaluate(m.Groups[1].Value) switch
            {
                null => "",
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                var other => other.ToJsonString(),
            }));
        }

        private JsonNode? Evaluate(string code)
        {
            JsValue result;
            try
            {
                result = _engine.Evaluate(Prepare(code));
            }
            catch (TimeoutException e) { throw new ExpressionException(code, "it ran longer than the time limit", e); }
            catch (ExecutionCanceledException) { throw new OperationCanceledException("The expression was canceled."); }
            catch (MemoryLimitExceededException e) { throw new ExpressionException(code, "it used more memory than allowed", e); }
            catch (StatementsCountOverflowException e) { throw new ExpressionException(code, "it ran too many statements", e); }
            catch (RecursionDepthOverflowException e) { throw new ExpressionException(code, "it recursed too deeply", e); }
            catch (JavaScriptException e) { throw new ExpressionException(code, e.Message, e); }
            catch (Acornima.ParseErrorException e) { throw new ExpressionException(code, e.Description, e); }

            if (result.IsUndefined() || result.IsNull()) return null;
            var json = new Jint.Native.Json.JsonSerializer(_engine).Serialize(result);
            return json.IsUndefined() ? null : JsonNode.Parse(json.AsString());
        }

        public void Dispose() => _engine.Dispose();
    }
}
