namespace LlmKit.Rag.Keyword;

/// <summary>
/// The bounded min-heap of a BM25 search's best documents, over two parallel arrays (scores and document ordinals)
/// rented by the caller, so a query allocates nothing but its result. Ties go to the earlier-added document.
/// </summary>
/// <remarks>
/// Kept apart from <c>LlmKit.Kernels</c>' top-k collector, which is internal to that package and keyed by matrix row;
/// sharing one would mean making the kernels' type public (left to the kernels rewrite).
/// </remarks>
internal static class DocumentHeap
{
    // Min-heap on (score, then later-added first): the root is the result that the next better document evicts.
    private static bool Worse(float scoreA, int docA, float scoreB, int docB) => scoreA < scoreB || (scoreA == scoreB && docA > docB);

    public static void Push(float[] scores, int[] docs, ref int count, float score, int doc)
    {
        int i = count++;
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!Worse(score, doc, scores[parent], docs[parent]))
            {
                break;
            }

            scores[i] = scores[parent];
            docs[i] = docs[parent];
            i = parent;
        }

        scores[i] = score;
        docs[i] = doc;
    }

    public static void ReplaceRoot(float[] scores, int[] docs, int count, float score, int doc)
    {
        int i = 0;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Worse(scores[child + 1], docs[child + 1], scores[child], docs[child]))
            {
                child++;
            }

            if (!Worse(scores[child], docs[child], score, doc))
            {
                break;
            }

            scores[i] = scores[child];
            docs[i] = docs[child];
            i = child;
        }

        scores[i] = score;
        docs[i] = doc;
    }

    public static void Pop(float[] scores, int[] docs, ref int count)
    {
        count--;
        if (count > 0)
        {
            ReplaceRoot(scores, docs, count, scores[count], docs[count]);
        }
    }
}
