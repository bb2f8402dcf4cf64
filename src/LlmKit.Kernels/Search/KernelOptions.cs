using System.ComponentModel.DataAnnotations;

namespace LlmKit.Kernels;

/// <summary>Settings of <see cref="SimilarityKernels"/>, validated when the kernels are created.</summary>
public sealed class KernelOptions
{
    /// <summary>Gets or sets where kernels run.</summary>
    /// <value>The default value is <see cref="KernelBackend.Auto"/>.</value>
    public KernelBackend Backend { get; set; } = KernelBackend.Auto;

    /// <summary>Gets or sets the most CPU threads one call uses.</summary>
    /// <value>
    /// The default value is <see cref="KernelConstants.DefaultMaxDegreeOfParallelism"/> (0): one per processor.
    /// Valid values are 0 to <see cref="KernelConstants.MaxDegreeOfParallelismLimit"/>.
    /// </value>
    [Range(0, KernelConstants.MaxDegreeOfParallelismLimit)]
    public int MaxDegreeOfParallelism { get; set; } = KernelConstants.DefaultMaxDegreeOfParallelism;

    /// <summary>Gets or sets the row count below which a CPU call stays on the calling thread.</summary>
    /// <value>The default value is <see cref="KernelConstants.DefaultParallelThresholdRows"/>. Valid values are 0 or more.</value>
    /// <remarks>Handing work to the thread pool costs microseconds, more than scanning a small matrix.</remarks>
    [Range(0, int.MaxValue)]
    public int ParallelThresholdRows { get; set; } = KernelConstants.DefaultParallelThresholdRows;

    /// <summary>
    /// Gets or sets the least work (rows × dimensions × queries) for which <see cref="KernelBackend.Auto"/> uses the GPU.
    /// </summary>
    /// <value>The default value is <see cref="KernelConstants.DefaultGpuMinimumWork"/>. Valid values are 0 or more.</value>
    [Range(0, long.MaxValue)]
    public long GpuMinimumWork { get; set; } = KernelConstants.DefaultGpuMinimumWork;

    /// <summary>Gets or sets which device of the chosen accelerator (CUDA, else OpenCL) is used.</summary>
    /// <value>The default value is 0, the first device. Valid values are 0 or more.</value>
    [Range(0, int.MaxValue)]
    public int GpuDeviceIndex { get; set; }

    /// <summary>
    /// Gets or sets how many candidates per requested result a compact scan keeps for exact re-scoring: an
    /// <see cref="EmbeddingStorage.Int8"/> scan (which ranks with an 8-bit copy of the query), or any matrix that keeps a
    /// re-scoring copy (<see cref="EmbeddingMatrix.RescoringStorage"/>), keeps k × this factor candidates and re-scores
    /// them with the float query against the most precise rows it holds.
    /// </summary>
    /// <value>
    /// The default value is <see cref="KernelConstants.DefaultRescoreFactor"/>. Valid values are 1 to
    /// <see cref="KernelConstants.MaxRescoreFactor"/>.
    /// </value>
    /// <remarks>Higher values trade a little speed for fewer true results lost to the compact scan's rounding.</remarks>
    [Range(1, KernelConstants.MaxRescoreFactor)]
    public int RescoreFactor { get; set; } = KernelConstants.DefaultRescoreFactor;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside its documented range.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Backend))
        {
            throw new ArgumentOutOfRangeException(nameof(Backend), Backend, "Unknown kernel backend.");
        }

        CheckRange(MaxDegreeOfParallelism, 0, KernelConstants.MaxDegreeOfParallelismLimit, nameof(MaxDegreeOfParallelism));
        CheckRange(ParallelThresholdRows, 0, int.MaxValue, nameof(ParallelThresholdRows));
        CheckRange(GpuDeviceIndex, 0, int.MaxValue, nameof(GpuDeviceIndex));
        CheckRange(RescoreFactor, 1, KernelConstants.MaxRescoreFactor, nameof(RescoreFactor));
        if (GpuMinimumWork < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(GpuMinimumWork), GpuMinimumWork, "GpuMinimumWork must be 0 or more.");
        }
    }

    /// <summary>Gets or sets whether the CPU backend may use its SIMD kernels; tests turn it off to check the scalar path.</summary>
    internal bool UseSimd { get; set; } = true;

    /// <summary>Gets or sets whether the CPU backend stays on its 256-bit kernels even where AVX-512 is present (tests).</summary>
    internal bool Force256 { get; set; }

    /// <summary>Gets or sets whether the GPU backend runs on ILGPU's CPU accelerator (tests run the GPU kernels in CI this way).</summary>
    internal bool UseGpuSimulator { get; set; }

    /// <summary>Returns a copy (the kernels keep their own, so later changes to the caller's object have no effect).</summary>
    internal KernelOptions Clone() => (KernelOptions)MemberwiseClone();

    internal int EffectiveParallelism =>
        MaxDegreeOfParallelism == 0 ? Environment.ProcessorCount : MaxDegreeOfParallelism;

    private static void CheckRange(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
    }
}
