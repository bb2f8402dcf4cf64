namespace LlmKit.Kernels;

/// <summary>How an <see cref="EmbeddingMatrix"/> stores its values.</summary>
public enum EmbeddingStorage
{
    /// <summary>32-bit floats: exact, 4 bytes per value.</summary>
    Float32 = 0,

    /// <summary>IEEE half precision, 2 bytes per value; scores accumulate in 32-bit floats.</summary>
    /// <remarks>Values are rounded to the nearest half on <see cref="EmbeddingMatrix.Add"/>; magnitudes above 65504 are rejected.</remarks>
    Float16 = 1,

    /// <summary>
    /// Signed 8-bit integers with one scale per row (value ≈ scale × int8), 1 byte per value. The scan ranks rows with an
    /// 8-bit copy of the query and re-scores the best candidates exactly, see <see cref="KernelOptions.RescoreFactor"/>.
    /// </summary>
    Int8 = 2,
}
