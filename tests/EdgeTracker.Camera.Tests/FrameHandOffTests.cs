using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Camera.Tests;

public sealed class FrameHandOffTests
{
    [Fact]
    public void Latest_frame_slot_keeps_the_newest_and_returns_replaced_frames_to_the_pool()
    {
        var pool = new FramePool(3, 64 * 48 * 3);
        var slot = new FrameQueue(1, dropOldest: true);
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(pool.TryRent(out var frame));
            frame.Reset(64, 48, 192, i, 0, default);
            Assert.True(slot.Write(frame, CancellationToken.None));
        }
        Assert.Equal(9, slot.Dropped);
        Assert.Equal(1, pool.Outstanding);
        Assert.True(slot.TryRead(TimeSpan.Zero, out var newest));
        Assert.Equal(10, newest.Sequence);
        newest.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.True(pool.Created <= 2, $"created {pool.Created}: replaced frames were not reused");
    }

    [Fact]
    public async Task Every_frame_queue_makes_the_writer_wait_and_drops_nothing()
    {
        var queue = new FrameQueue(2, dropOldest: false);
        var writer = Task.Run(() =>
        {
            for (var i = 1; i <= 20; i++)
            {
                var frame = Frame.Standalone(4, 4);
                frame.Reset(4, 4, 12, i, 0, default);
                Assert.True(queue.Write(frame, CancellationToken.None));
            }
            queue.Complete();
        }, TestContext.Current.CancellationToken);
        var seen = new List<long>();
        while (queue.TryRead(TimeSpan.FromSeconds(20), out var frame))
        {
            seen.Add(frame.Sequence);
        }
        await writer;
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), seen);
        Assert.Equal(0, queue.Dropped);
        Assert.True(queue.IsDrained);
    }

    [Fact]
    public void Waiting_writer_gives_up_when_cancelled_and_releases_its_frame()
    {
        var pool = new FramePool(2, 16);
        var queue = new FrameQueue(1, dropOldest: false);
        Assert.True(pool.TryRent(out var first));
        first.Reset(1, 1, 3, 1, 0, default);
        queue.Write(first, CancellationToken.None);
        Assert.True(pool.TryRent(out var second));
        second.Reset(1, 1, 3, 2, 0, default);
        using var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.False(queue.Write(second, cancelled.Token));
        Assert.Equal(1, pool.Outstanding);
        queue.CompleteAndClear();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task Pool_never_creates_more_than_its_bound_and_a_waiting_renter_gets_a_returned_frame()
    {
        var pool = new FramePool(2, 16);
        Assert.True(pool.TryRent(out var a));
        Assert.True(pool.TryRent(out var b));
        Assert.False(pool.TryRent(out _));
        Assert.False(pool.TryRent(TimeSpan.FromMilliseconds(50), CancellationToken.None, out _));
        var giveBack = Task.Run(() => a.Dispose(), TestContext.Current.CancellationToken);
        Assert.True(pool.TryRent(TimeSpan.FromSeconds(20), CancellationToken.None, out var c));
        Assert.Same(a, c);
        Assert.Equal(2, pool.Created);
        b.AddRef();
        b.Dispose();
        Assert.Equal(2, pool.Outstanding); // still referenced once
        b.Dispose();
        Assert.Equal(1, pool.Outstanding);
        Assert.Throws<InvalidOperationException>(() => b.Dispose());
        await giveBack;
    }
}
