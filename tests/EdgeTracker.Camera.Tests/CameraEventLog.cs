using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>Records a camera's transitions and lets a test await the next one of a kind (no sleeps).</summary>
internal sealed class CameraEventLog
{
    private readonly Lock _gate = new();
    private readonly List<CameraEvent> _events = [];
    private readonly List<(Func<CameraEvent, bool> Match, TaskCompletionSource<CameraEvent> Done)> _waiters = [];

    public CameraEventLog(CameraCapture camera) => camera.Transition += (_, e) => Add(e);

    public IReadOnlyList<CameraEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Waits for the first event of type <typeparamref name="T"/> after the <paramref name="skip"/>-th such event.</summary>
    public async Task<T> WaitFor<T>(TimeSpan timeout, int skip = 0) where T : CameraEvent
    {
        Task<CameraEvent> task;
        lock (_gate)
        {
            var seen = _events.OfType<T>().Skip(skip).FirstOrDefault();
            if (seen is not null)
            {
                return seen;
            }
            var tcs = new TaskCompletionSource<CameraEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            var already = _events.OfType<T>().Count();
            var needed = skip - already; // how many more T to pass before the one we want
            var passed = 0;
            _waiters.Add((e =>
            {
                if (e is not T)
                {
                    return false;
                }
                return passed++ == needed;
            }, tcs));
            task = tcs.Task;
        }
        try
        {
            return (T)await task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"No {typeof(T).Name} within {timeout.TotalSeconds} s; events so far: {string.Join(" | ", Events)}");
        }
    }

    private void Add(CameraEvent e)
    {
        lock (_gate)
        {
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(e))
                {
                    _waiters[i].Done.TrySetResult(e);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
