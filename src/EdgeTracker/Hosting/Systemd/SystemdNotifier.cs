using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Hosting.Systemd;

/// <summary>
/// Tells systemd how the daemon is: READY once every camera delivered a frame (or the ready timeout passed, then
/// said so), STATUS lines with a summary, WATCHDOG=1 only while every pipeline's loop keeps turning — so a wedged
/// process stops pinging and systemd restarts it — and STOPPING on shutdown.
/// </summary>
public sealed class SystemdNotifier : BackgroundService
{
    private readonly SdNotify _notify;
    private readonly DaemonState _state;
    private readonly TimeSpan? _watchdog;
    private readonly TimeSpan _readyTimeout;
    private readonly TimeSpan _statusInterval;
    private readonly ILogger<SystemdNotifier> _logger;

    public SystemdNotifier(SdNotify notify, DaemonState state, TimeSpan? watchdogInterval, TimeSpan readyTimeout, TimeSpan statusInterval, ILogger<SystemdNotifier> logger)
    {
        _notify = notify;
        _state = state;
        _watchdog = watchdogInterval;
        _readyTimeout = readyTimeout;
        _statusInterval = statusInterval;
        _logger = logger;
    }

    /// <summary>Set once READY=1 went out (for tests and /healthz).</summary>
    public bool IsReady { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // Ping from the start: loading a TensorRT engine can take longer than the watchdog interval.
        var tick = _watchdog is { } w ? TimeSpan.FromTicks(Math.Min(w.Ticks / 4, TimeSpan.FromSeconds(1).Ticks)) : TimeSpan.FromMilliseconds(250);
        await _state.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + _readyTimeout;
        var wedgedReported = false;
        var lastStatus = DateTime.MinValue;
        using var timer = new PeriodicTimer(tick);
        do
        {
            if (!IsReady)
            {
                var waiting = _state.Pipelines.Where(p => !p.HasDeliveredFrame).Select(p => p.Name).ToList();
                if (waiting.Count == 0 || DateTime.UtcNow >= deadline)
                {
                    var summary = _state.StatusLine();
                    if (waiting.Count > 0)
                    {
                        summary = $"READY after {_readyTimeout.TotalSeconds:0} s without a frame from {string.Join(", ", waiting)}; {summary}";
                        _logger.LogWarning("Ready timeout passed: no frame yet from {Cameras}", string.Join(", ", waiting));
                    }
                    _notify.Ready(summary);
                    IsReady = true;
                    lastStatus = DateTime.UtcNow;
                    _logger.LogInformation("Ready: {Status}", summary);
                }
            }
            var progressing = _state.AllProgressing(out var wedged);
            if (progressing)
            {
                if (_watchdog is not null)
                {
                    _notify.Watchdog();
                }
                if (wedgedReported)
                {
                    _logger.LogWarning("Every pipeline makes progress again");
                    wedgedReported = false;
                }
            }
            else if (!wedgedReported)
            {
                // No ping: systemd's watchdog will restart the process; say why first.
                _logger.LogError("Pipeline wedged: {Wedged}; watchdog pings stopped", wedged);
                _notify.Status($"WEDGED: {wedged}");
                wedgedReported = true;
            }
            if (IsReady && progressing && DateTime.UtcNow - lastStatus >= _statusInterval)
            {
                _notify.Status(_state.StatusLine());
                lastStatus = DateTime.UtcNow;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _notify.Stopping("stopping: closing cameras and the broker connection");
        return base.StopAsync(cancellationToken);
    }
}
