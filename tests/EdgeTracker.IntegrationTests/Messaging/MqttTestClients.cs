using System.Collections.Concurrent;
using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.IntegrationTests.Messaging;

/// <summary>Helpers shared by the MQTT integration tests: generous waits (the machine is loaded) and collectors.</summary>
internal static class Wait
{
    /// <summary>The longest any single expected event may take on a loaded 2-core machine.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    public static async Task<T> ForAsync<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        try
        {
            return await task.WaitAsync(timeout ?? Long);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after {(timeout ?? Long).TotalSeconds} s waiting for {what}");
        }
    }

    public static Task ForAsync(Task task, string what, TimeSpan? timeout = null) =>
        ForAsync(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), what, timeout);
}

/// <summary>Collects received messages and lets a test await the n-th one.</summary>
internal sealed class MessageCollector
{
    private readonly ConcurrentQueue<MqttMessage> _messages = new();
    private readonly List<(Func<IReadOnlyList<MqttMessage>, bool> Condition, TaskCompletionSource Done)> _waiters = new();

    public IReadOnlyList<MqttMessage> Messages => _messages.ToArray();

    public ValueTask Handle(MqttMessage message)
    {
        _messages.Enqueue(message);
        lock (_waiters)
        {
            var messages = Messages;
            foreach (var waiter in _waiters.Where(w => w.Condition(messages)))
            {
                waiter.Done.TrySetResult();
            }
        }
        return ValueTask.CompletedTask;
    }

    public Task WaitForCountAsync(int count, string what) => WaitForAsync(m => m.Count >= count, $"{count} message(s): {what}");

    /// <summary>Waits until <paramref name="condition"/> holds for the messages received so far.</summary>
    public async Task WaitForAsync(Func<IReadOnlyList<MqttMessage>, bool> condition, string what)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((condition, done));
            if (condition(Messages)) done.TrySetResult();
        }
        try
        {
            await Wait.ForAsync(done.Task, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} (got {_messages.Count})", e);
        }
    }
}

/// <summary>Awaitable client events, in order (none is lost between two waits).</summary>
internal sealed class ClientEvents
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly System.Threading.Channels.Channel<MqttConnectedEventArgs> _connected = System.Threading.Channels.Channel.CreateUnbounded<MqttConnectedEventArgs>();
    private readonly System.Threading.Channels.Channel<MqttDisconnectedEventArgs> _disconnected = System.Threading.Channels.Channel.CreateUnbounded<MqttDisconnectedEventArgs>();

    public ClientEvents(MqttClient client)
    {
        client.Connected += (_, e) => { _log.Enqueue($"connected (session present {e.SessionPresent}, reconnect {e.IsReconnect})"); _connected.Writer.TryWrite(e); };
        client.Disconnected += (_, e) => { _log.Enqueue($"disconnected: {e.Reason}"); _disconnected.Writer.TryWrite(e); };
        client.Reconnecting += (_, e) => _log.Enqueue($"reconnecting #{e.Attempt} in {e.Delay.TotalMilliseconds:0} ms ({e.LastError?.Message})");
    }

    public string History => string.Join("\n", _log);

    public Task<MqttConnectedEventArgs> NextConnectedAsync() =>
        Wait.ForAsync(_connected.Reader.ReadAsync().AsTask(), "Connected; events so far:\n" + History);

    public Task<MqttDisconnectedEventArgs> NextDisconnectedAsync() =>
        Wait.ForAsync(_disconnected.Reader.ReadAsync().AsTask(), "Disconnected; events so far:\n" + History);
}
