using System.Globalization;

namespace LlmKit.Evaluation.Runs;

/// <summary>
/// Shows an evaluation's progress as one line: a bar, trials done, passes, failures, errors, spend and time. On an
/// interactive console the line is redrawn in place; in a log (CI) a line is written every 10% so the log stays short.
/// </summary>
/// <param name="output">Where to write; <see cref="Console.Out"/> when omitted.</param>
/// <param name="redraw">Redraw in place with a carriage return; by default when the output is a console that is not redirected.</param>
public sealed class ConsoleEvaluationProgress(TextWriter? output = null, bool? redraw = null) : IProgress<EvaluationProgress>
{
    private const int BarWidth = 24;
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly bool _redraw = redraw ?? (output is null && !Console.IsOutputRedirected);
    private readonly Lock _gate = new();
    private int _lastDecile = -1;
    private int _lastCompleted = -1;

    /// <inheritdoc />
    public void Report(EvaluationProgress value)
    {
        lock (_gate)
        {
            // Trials finish concurrently, so snapshots can arrive out of order; an older one would move the bar back.
            if (value.Completed <= _lastCompleted)
            {
                return;
            }

            _lastCompleted = value.Completed;
            int decile = value.Total == 0 ? 10 : value.Completed * 10 / value.Total;
            if (!_redraw && decile == _lastDecile && value.Completed != value.Total)
            {
                return;
            }

            _lastDecile = decile;
            int filled = value.Total == 0 ? BarWidth : value.Completed * BarWidth / value.Total;
            string line = string.Create(CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {value.Completed}/{value.Total} passed {value.Passed} failed {value.Failed} errors {value.Errors} ${value.Spend:0.0000} {value.Elapsed.TotalSeconds:0}s");
            if (_redraw)
            {
                _output.Write('\r' + line);
                if (value.Completed == value.Total)
                {
                    _output.WriteLine();
                }
            }
            else
            {
                _output.WriteLine(line);
            }
        }
    }
}
