using System.Globalization;
using System.Text;

namespace BatchPipeline;

/// <summary>
/// Shows a run's progress: a bar redrawn in place on a terminal, or a plain line every few seconds when the output
/// is redirected, so CI logs stay readable instead of filling with carriage returns.
/// </summary>
public sealed class ConsoleProgressBar : IProgress<BatchProgress>, IAsyncDisposable
{
    private const int BarWidth = 20;
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly bool _interactive;
    private readonly int _maxWidth;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private BatchProgress? _latest;
    private string _lastPrinted = string.Empty;
    private int _lastWidth;

    /// <param name="output">Where to write.</param>
    /// <param name="interactive">True to redraw one line in place (a terminal); false to print plain lines (redirected output).</param>
    /// <param name="logEvery">How often a plain line is printed when not interactive.</param>
    /// <param name="timeProvider">The clock that paces the redraws.</param>
    /// <param name="terminalWidth">The terminal's width: a redrawn line must not wrap, or '\r' cannot return to its start.</param>
    public ConsoleProgressBar(TextWriter output, bool interactive, TimeSpan logEvery, TimeProvider? timeProvider = null, int terminalWidth = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _interactive = interactive;
        _maxWidth = terminalWidth > 20 ? terminalWidth - 1 : int.MaxValue; // 0 or tiny: the width is unknown, do not cut
        _loop = RunAsync(interactive ? RedrawEvery : logEvery, timeProvider ?? TimeProvider.System);
    }

    public void Report(BatchProgress value) => Volatile.Write(ref _latest, value);

    /// <summary>Formats one progress line (without the bar when <paramref name="withBar"/> is false).</summary>
    public static string Format(BatchProgress p, bool withBar)
    {
        ArgumentNullException.ThrowIfNull(p);
        int finished = p.AlreadyDone + p.Classified + p.Failed;
        double ratio = p.Total == 0 ? 1 : (double)finished / p.Total;
        var line = new StringBuilder();
        if (withBar)
        {
            int filled = (int)Math.Round(ratio * BarWidth);
            line.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append("] ");
        }

        // Most telling first: on a narrow terminal the line is cut at the right edge.
        string eta = p.Remaining == 0 ? "done" : p.EstimatedTimeLeft is { } left ? $"ETA {(int)left.TotalMinutes:00}:{left.Seconds:00}" : "ETA --:--";
        line.Append(CultureInfo.InvariantCulture,
            $"{finished}/{p.Total} {ratio * 100:F0}% | {p.DocumentsPerSecond:F1} docs/s | {eta} | {p.Usage.InputTokens + p.Usage.OutputTokens:N0} tokens | ${p.Usage.Cost:F4} | ");
        line.Append(CultureInfo.InvariantCulture,
            $"{p.Classified} classified, {p.Failed} failed, {p.AlreadyDone} already done, {p.InFlight} in flight");
        return line.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Draw(final: true);
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, TimeProvider timeProvider)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Draw(final: false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Draw(bool final)
    {
        if (Volatile.Read(ref _latest) is not { } progress)
        {
            return;
        }

        string line = Format(progress, withBar: _interactive);
        if (_interactive)
        {
            line = line.Length > _maxWidth ? line[.._maxWidth] : line;
            // Pad over the previous, possibly longer, line; end with a newline only when done.
            _output.Write('\r' + line.PadRight(_lastWidth) + (final ? Environment.NewLine : string.Empty));
            _lastWidth = line.Length;
        }
        else if (line != _lastPrinted)
        {
            _output.WriteLine(line);
            _lastPrinted = line;
        }

        _output.Flush();
    }
}
