using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.Tests.Messaging;

/// <summary>The bounded outgoing queue on its own: order, eviction, in-flight window, acknowledgement.</summary>
public sealed class MqttOutgoingQueueTests
{
    [Fact]
    public void QoS_1_goes_first_in_order_within_the_in_flight_window_and_leaves_on_PUBACK()
    {
        var queue = new MqttOutgoingQueue(capacity: 4, reliableCapacity: 10);
        queue.TryEnqueue("tracks", [9], MqttQos.AtMostOnce, false, null);
        for (byte i = 0; i < 3; i++)
        {
            queue.TryEnqueue("events", [i], MqttQos.AtLeastOnce, false, null);
        }
        ushort next = 0;
        Assert.True(queue.TryTakeNext(2, () => ++next, out var a));
        Assert.True(queue.TryTakeNext(2, () => ++next, out var b));
        Assert.Equal((0, 1), (a.Payload.Span[0], b.Payload.Span[0]));
        Assert.Equal((1, 2), (a.PacketId, b.PacketId));
        // Window full (2 in flight): the QoS 0 message is next, the third event waits.
        Assert.True(queue.TryTakeNext(2, () => ++next, out var c));
        Assert.Equal(MqttQos.AtMostOnce, c.Qos);
        MqttOutgoingQueue.Release(c, null);
        Assert.False(queue.TryTakeNext(2, () => ++next, out _));
        Assert.Equal([a.PacketId, b.PacketId], queue.SnapshotInFlight().Select(m => m.PacketId));

        Assert.True(queue.Acknowledge(1));
        Assert.False(queue.Acknowledge(1));
        Assert.True(queue.TryTakeNext(2, () => ++next, out var d));
        Assert.Equal(2, d.Payload.Span[0]);
        Assert.Equal(2, queue.InFlightCount);
    }

    [Fact]
    public async Task A_dropped_message_fails_its_waiter_and_the_oldest_goes_first()
    {
        var queue = new MqttOutgoingQueue(capacity: 2, reliableCapacity: 1);
        var oldest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.TryEnqueue("t", [0], MqttQos.AtMostOnce, false, oldest);
        queue.TryEnqueue("t", [1], MqttQos.AtMostOnce, false, null);
        queue.TryEnqueue("t", [2], MqttQos.AtMostOnce, false, null);
        await Assert.ThrowsAsync<MqttMessageDroppedException>(() => oldest.Task);
        Assert.Equal(1, queue.Dropped);
        Assert.True(queue.TryTakeNext(1, () => 1, out var first));
        Assert.Equal(1, first.Payload.Span[0]);
    }
}
