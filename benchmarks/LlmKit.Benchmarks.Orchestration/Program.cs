// Cascade benchmark: cost and accuracy of a two-tier cascade (gpt-4o-mini, then gpt-4o) against always-cheap and
// always-strong, on a scripted question set with a known share of hard questions. Deterministic: the same seed gives
// the same numbers on every machine; it measures dollars and correct answers, not time.
//   dotnet run -c Release --project benchmarks/LlmKit.Benchmarks.Orchestration [-- --questions 2000 --seed 42]
using System.Globalization;
using System.Text.Json;
using LlmKit.Benchmarks.Orchestration;
using LlmKit.Orchestration.Cascades;
using LlmKit.StructuredOutput;
using LlmKit.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

int questions = Argument(args, "--questions", 2000);
int seed = Argument(args, "--seed", 42);
var inv = CultureInfo.InvariantCulture;
var behaviour = new ScriptedBehaviour();
Console.WriteLine($"Cascade benchmark: {questions} questions per run, seed {seed}; gpt-4o-mini then gpt-4o, prices from LlmKit's model catalog.");
Console.WriteLine(behaviour.Describe());
Console.WriteLine();
Console.WriteLine("| hard share | strategy | accuracy | cost (USD) | cost per 1k | vs always-strong | escalated |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
foreach (double hardShare in new[] { 0.1, 0.3, 0.5 })
{
    var set = QuestionSet.Create(questions, hardShare, seed);
    var strong = await RunAsync(set, Strategy.AlwaysStrong);
    foreach (var strategy in new[] { Strategy.AlwaysCheap, Strategy.Cascade, Strategy.AlwaysStrong })
    {
        var run = strategy == Strategy.AlwaysStrong ? strong : await RunAsync(set, strategy);
        Console.WriteLine(string.Create(inv,
            $"| {hardShare:P0} | {Name(strategy)} | {run.Accuracy:P1} | {run.Cost:F4} | {run.Cost / questions * 1000:F4} | {run.Cost / strong.Cost:P0} | {(strategy == Strategy.Cascade ? run.Escalated.ToString("P1", inv) : "—")} |"));
    }
}

return 0;

async Task<RunResult> RunAsync(QuestionSet set, Strategy strategy)
{
    var services = new ServiceCollection();
    var llmKit = services.AddLlmKit().AddModelCatalog().UseUsageLedger().AddInMemoryUsageStore();
    llmKit.AddChatClient("mini", behaviour.Model("gpt-4o-mini", set));
    llmKit.AddChatClient("strong", behaviour.Model("gpt-4o", set));
    await using var provider = services.BuildServiceProvider();
    var mini = provider.GetRequiredKeyedService<IChatClient>("mini");
    var strongClient = provider.GetRequiredKeyedService<IChatClient>("strong");
    var cascade = new ChatCascade([new("mini", mini), new("strong", strongClient)], new CascadeOptions { MinConfidence = 0.7 },
        provider.GetRequiredService<LlmKit.Models.IModelCatalog>());
    var checks = new CascadeChecks<Answer> { Confidence = a => a.Confidence };
    var once = new StructuredOutputOptions { MaxAttempts = 1 };

    int correct = 0, escalated = 0;
    foreach (var question in set.Questions)
    {
        List<ChatMessage> prompt = [new(ChatRole.User, $"Question #{question.Id}: answer with the code and your confidence from 0 to 1.")];
        Answer? answer = null;
        switch (strategy)
        {
            case Strategy.AlwaysCheap:
                var cheap = await mini.GetObjectAsync<Answer>(prompt, once);
                answer = cheap.IsSuccess ? cheap.Value : null;
                break;
            case Strategy.AlwaysStrong:
                var best = await strongClient.GetObjectAsync<Answer>(prompt, once);
                answer = best.IsSuccess ? best.Value : null;
                break;
            default:
                var result = await cascade.GetObjectAsync(prompt, once, checks);
                answer = result.HasValue ? result.Value : null;
                escalated += result.Escalations > 0 ? 1 : 0;
                break;
        }

        correct += answer?.Code == question.Truth ? 1 : 0;
    }

    decimal cost = provider.GetRequiredService<InMemoryUsageStore>().TotalCost();
    return new RunResult((double)correct / set.Questions.Count, cost, (double)escalated / set.Questions.Count);
}

static string Name(Strategy strategy) => strategy switch
{
    Strategy.AlwaysCheap => "always gpt-4o-mini",
    Strategy.AlwaysStrong => "always gpt-4o",
    _ => "cascade (confidence < 0.7 or invalid → gpt-4o)",
};

static int Argument(string[] args, string name, int fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal enum Strategy
{
    AlwaysCheap,
    Cascade,
    AlwaysStrong,
}

internal sealed record RunResult(double Accuracy, decimal Cost, double Escalated);

namespace LlmKit.Benchmarks.Orchestration
{
    using LlmKit.Testing;

    /// <summary>The structured answer both models return.</summary>
    public sealed record Answer(string Code, double Confidence);

    internal sealed record Question(int Id, bool Hard, string Truth);

    internal sealed class QuestionSet
    {
        public required IReadOnlyList<Question> Questions { get; init; }

        public required int Seed { get; init; }

        public static QuestionSet Create(int count, double hardShare, int seed)
        {
            // Exactly round(count * share) hard questions, at random positions: the share is known, not sampled.
            var random = new Random(seed);
            int hard = (int)Math.Round(count * hardShare);
            var flags = Enumerable.Range(0, count).Select(i => i < hard).OrderBy(_ => random.Next()).ToArray();
            return new QuestionSet
            {
                Questions = flags.Select((isHard, i) => new Question(i, isHard, $"A{i}")).ToList(),
                Seed = seed,
            };
        }
    }

    /// <summary>
    /// How the scripted models behave: per model and difficulty, how often the answer is right, how confident the model
    /// says it is when right and when wrong, and how often its JSON is broken. Each (model, question) pair draws from its
    /// own seeded generator, so a question gets the same answer from a model in every strategy.
    /// </summary>
    internal sealed class ScriptedBehaviour
    {
        // name, easy accuracy, hard accuracy, share of wrong answers that say they are unsure, invalid JSON rate.
        private static readonly Dictionary<string, (double Easy, double Hard, double UnsureWhenWrong, double Invalid)> Models = new()
        {
            ["gpt-4o-mini"] = (0.95, 0.40, 0.80, 0.02),
            ["gpt-4o"] = (0.98, 0.85, 0.80, 0.00),
        };

        private const int InputTokens = 600;
        private const int OutputTokens = 60;

        public string Describe() => "Scripted models: " + string.Join("; ", Models.Select(m =>
            string.Create(CultureInfo.InvariantCulture,
                $"{m.Key} right on {m.Value.Easy:P0} of easy and {m.Value.Hard:P0} of hard questions, says confidence < 0.7 on {m.Value.UnsureWhenWrong:P0} of its wrong answers (0.75–0.95 when right), invalid JSON {m.Value.Invalid:P0}"))) +
            $". Every call: {InputTokens} input + {OutputTokens} output tokens.";

        public IChatClient Model(string id, QuestionSet set) => new ScriptedChatClient(modelId: id).RespondToEveryRequest(request =>
        {
            string text = request.Messages[^1].Text;
            int start = text.IndexOf('#', StringComparison.Ordinal) + 1;
            int number = int.Parse(text[start..text.IndexOf(':', start)], CultureInfo.InvariantCulture);
            var question = set.Questions[number];
            var (easy, hard, unsure, invalid) = Models[id];
            // Not HashCode.Combine: it is seeded per process, and the numbers must repeat across runs and machines.
            var random = new Random(unchecked((set.Seed * 1_000_003) + (number * 31) + StableHash(id)));
            bool right = random.NextDouble() < (question.Hard ? hard : easy);
            bool broken = random.NextDouble() < invalid;
            double confidence = right || random.NextDouble() >= unsure
                ? 0.75 + (random.NextDouble() * 0.2)
                : 0.1 + (random.NextDouble() * 0.5);
            string json = broken
                ? "{\"code\": \"A" + number
                : JsonSerializer.Serialize(new { code = right ? question.Truth : $"B{number}", confidence = Math.Round(confidence, 2) });
            return ScriptedTurn.FromText(json).WithUsage(InputTokens, OutputTokens).WithModel(id);
        });

        private static int StableHash(string text)
        {
            int hash = 17;
            foreach (char c in text)
            {
                hash = unchecked((hash * 31) + c);
            }

            return hash;
        }
    }
}
