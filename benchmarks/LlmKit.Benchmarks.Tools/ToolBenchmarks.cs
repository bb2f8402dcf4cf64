using System.Text.Json;
using BenchmarkDotNet.Attributes;
using LlmKit.Tools;
using Microsoft.Extensions.AI;

namespace LlmKit.Benchmarks.Tools;

/// <summary>The sample tools, compiled with the [LlmTool] generator.</summary>
public partial class BenchTools
{
    [LlmTool]
    public static int Add(int a, int b) => a + b;

    [LlmTool]
    public static string Describe(string name, int count, bool urgent) => urgent ? name + count : name;

    [LlmTool]
    public static double Area(Rect rect) => rect.Width * rect.Height;
}

public sealed record Rect(double Width, double Height);

/// <summary>Generated invoker against AIFunctionFactory.Create's reflection-based one, same arguments (JsonElement values, as providers give them).</summary>
[MemoryDiagnoser]
public class InvokerBenchmarks
{
    private readonly AIFunction _generatedAdd = BenchTools.GetLlmTools()[0];
    private readonly AIFunction _factoryAdd = AIFunctionFactory.Create((int a, int b) => a + b, "add");
    private readonly AIFunction _generatedDescribe = BenchTools.GetLlmTools()[1];
    private readonly AIFunction _factoryDescribe = AIFunctionFactory.Create((string name, int count, bool urgent) => urgent ? name + count : name, "describe");
    private readonly AIFunction _generatedArea = BenchTools.GetLlmTools()[2];
    private readonly AIFunction _factoryArea = AIFunctionFactory.Create((Rect rect) => rect.Width * rect.Height, "area");
    private readonly AIFunctionArguments _addArgs = Args("""{"a":2,"b":3}""");
    private readonly AIFunctionArguments _describeArgs = Args("""{"name":"order","count":3,"urgent":true}""");
    private readonly AIFunctionArguments _areaArgs = Args("""{"rect":{"width":2,"height":3}}""");

    [Benchmark(Baseline = true)]
    public ValueTask<object?> Factory_add() => _factoryAdd.InvokeAsync(_addArgs);

    [Benchmark]
    public ValueTask<object?> Generated_add() => _generatedAdd.InvokeAsync(_addArgs);

    [Benchmark]
    public ValueTask<object?> Factory_three_primitives() => _factoryDescribe.InvokeAsync(_describeArgs);

    [Benchmark]
    public ValueTask<object?> Generated_three_primitives() => _generatedDescribe.InvokeAsync(_describeArgs);

    [Benchmark]
    public ValueTask<object?> Factory_record_argument() => _factoryArea.InvokeAsync(_areaArgs);

    [Benchmark]
    public ValueTask<object?> Generated_record_argument() => _generatedArea.InvokeAsync(_areaArgs);

    private static AIFunctionArguments Args(string json) => new(JsonSerializer.Deserialize<Dictionary<string, object?>>(json)!);
}

/// <summary>
/// The loop's own cost: a model (canned, no I/O) asks for N calls in one turn, then answers. Compared with doing the
/// same work by hand (two model calls, N direct invocations) and with Microsoft.Extensions.AI's FunctionInvokingChatClient.
/// </summary>
[MemoryDiagnoser]
public class LoopBenchmarks
{
    private readonly AIFunction _add = BenchTools.GetLlmTools()[0];
    private CannedModel _model = null!;
    private ToolLoopChatClient _loop = null!;
    private FunctionInvokingChatClient _meai = null!;
    private ChatOptions _options = null!;
    private List<ChatMessage> _prompt = null!;

    [Params(1, 8)]
    public int CallsPerTurn { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = new CannedModel(CallsPerTurn);
        _loop = new ToolLoopChatClient(_model);
        _meai = new FunctionInvokingChatClient(_model);
        _options = new ChatOptions { Tools = [_add] };
        _prompt = [new ChatMessage(ChatRole.User, "add things")];
    }

    [Benchmark(Baseline = true)]
    public async Task<object?> Direct_model_calls_and_invocations()
    {
        var first = await _model.GetResponseAsync(_prompt, _options);
        object? last = null;
        var results = new List<AIContent>();
        foreach (var call in first.Messages[0].Contents.OfType<FunctionCallContent>())
        {
            last = await _add.InvokeAsync(new AIFunctionArguments(call.Arguments!));
            results.Add(new FunctionResultContent(call.CallId, last));
        }

        var conversation = new List<ChatMessage>(_prompt);
        conversation.AddRange(first.Messages);
        conversation.Add(new ChatMessage(ChatRole.Tool, results));
        return (await _model.GetResponseAsync(conversation, _options)).Text;
    }

    [Benchmark]
    public async Task<object?> LlmKit_tool_loop() => (await _loop.RunAsync(_prompt, _options)).Text;

    [Benchmark]
    public async Task<object?> MEAI_FunctionInvokingChatClient() => (await _meai.GetResponseAsync(_prompt, _options)).Text;

    /// <summary>Asks for N add calls, then answers once it sees tool results. Stateless, allocation-light.</summary>
    private sealed class CannedModel(int calls) : IChatClient
    {
        private readonly ChatResponse _answer = new(new ChatMessage(ChatRole.Assistant, "done"));

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (messages.Last().Role == ChatRole.Tool)
            {
                return Task.FromResult(_answer);
            }

            var contents = new List<AIContent>(calls);
            for (int i = 0; i < calls; i++)
            {
                contents.Add(new FunctionCallContent("c" + i, "add", new Dictionary<string, object?> { ["a"] = JsonDocument.Parse("2").RootElement, ["b"] = JsonDocument.Parse(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).RootElement }));
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, contents)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
