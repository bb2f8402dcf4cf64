using System.Diagnostics;
using System.Text;
using LlmKit.Rag.Chunking;
using LlmKit.Tokens;

namespace LlmKit.Benchmarks.Rag;

/// <summary>
/// Chunkers on adversarial inputs (issue 22): 2 MB with no whitespace, 1 MB of Chinese with punctuation and no spaces.
/// Prints time, chunk count and the largest chunk in tokens, which must never exceed the window.
/// </summary>
internal static class ChunkerTimings
{
    public static void Run()
    {
        var counter = TiktokenEncoding.O200kBase;
        var rng = new Random(7);
        var noSpace = new StringBuilder(2_000_000);
        while (noSpace.Length < 2_000_000)
        {
            noSpace.Append((char)('a' + rng.Next(26)));
            if (rng.Next(40) == 0)
            {
                noSpace.Append(rng.Next(3) switch { 0 => ',', 1 => '-', _ => '.' });
            }
        }

        const string Hanzi = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴切图";
        var chinese = new StringBuilder(1_000_000);
        while (chinese.Length < 1_000_000)
        {
            int sentence = rng.Next(8, 30);
            for (int i = 0; i < sentence; i++)
            {
                chinese.Append(Hanzi[rng.Next(Hanzi.Length)]);
                if (rng.Next(9) == 0)
                {
                    chinese.Append('，');
                }
            }

            chinese.Append(rng.Next(4) == 0 ? '！' : '。');
        }

        Console.WriteLine("\n## Chunkers on adversarial input (o200k_base counts, MaxTokens 512, overlap 64)");
        Console.WriteLine("| input | chunker | time (s) | × one CountTokens of the whole input | chunks | largest chunk (tokens) |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (name, text) in new[] { ("2 MB, no whitespace", noSpace.ToString()), ("1 MB Chinese with punctuation", chinese.ToString()) })
        {
            // The reference in the same run: one count of the whole input, so the ratio holds on a loaded machine.
            var reference = Stopwatch.StartNew();
            int total = counter.CountTokens(text);
            double referenceSeconds = reference.Elapsed.TotalSeconds;
            Console.WriteLine($"| {name} | (one CountTokens: {total:N0} tokens) | {referenceSeconds:F2} | 1 | | |");
            foreach (var (chunkerName, chunker) in new (string, Func<string, IReadOnlyList<TextChunk>>)[]
            {
                ("RecursiveChunker", new RecursiveChunker(counter).Chunk),
                ("SentenceChunker", new SentenceChunker(counter).Chunk),
                ("MarkdownChunker", new MarkdownChunker(counter).Chunk),
                ("TokenWindowChunker", new TokenWindowChunker(counter).Chunk),
            })
            {
                var sw = Stopwatch.StartNew();
                var chunks = chunker(text);
                double seconds = sw.Elapsed.TotalSeconds;
                Console.WriteLine($"| {name} | {chunkerName} | {seconds:F2} | {seconds / referenceSeconds:F1} | {chunks.Count:N0} | {chunks.Max(c => c.TokenCount):N0} |");
            }
        }
    }
}
