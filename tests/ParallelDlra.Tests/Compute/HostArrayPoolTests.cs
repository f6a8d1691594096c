using ParallelDlra.Compute;
using Xunit;

namespace ParallelDlra.Tests.Compute;

/// <summary>The host block pool: size classes, reuse, zeroing, and release of buffers the blocks outgrew.</summary>
public sealed class HostArrayPoolTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(15L)]
    [InlineData(16L)]
    [InlineData(983_040L)]
    [InlineData(1_114_112L)]
    [InlineData(123_456_789L)]
    public void Size_classes_round_up_by_at_most_an_eighth(long length)
    {
        long size = HostArrayPool.SizeClass(length);
        Assert.True(size >= length);
        Assert.True(size - length <= length / 8 + 1, $"{length} → {size}");
        Assert.Equal(size, HostArrayPool.SizeClass(size));   // a class is its own class
    }

    [Fact]
    public void A_returned_buffer_is_reused_zeroed_for_a_request_of_its_class()
    {
        var pool = new HostArrayPool();
        var a = pool.Rent(1000);
        a.GetSpan().Fill(3.0);
        pool.Return(a);
        var b = pool.Rent(990);
        Assert.Same(a, b);
        Assert.All(b.GetSpan()[..990].ToArray(), v => Assert.Equal(0.0, v));
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void Blocks_that_grew_release_the_shorter_free_buffers()
    {
        var pool = new HostArrayPool();
        var small = pool.Rent(64 * 15);
        var other = pool.Rent(64 * 4);
        pool.Return(small);
        pool.Return(other);
        Assert.Equal(2, pool.FreeCount);
        var large = pool.Rent(64 * 22);   // no free buffer fits: the shorter ones go
        Assert.NotSame(small, large);
        Assert.Equal(0, pool.FreeCount);
        Assert.Throws<ObjectDisposedException>(() => small.GetSpan());
        pool.Return(large);
        Assert.Same(large, pool.Rent(64 * 20));   // a smaller request takes a larger buffer (at most twice its class)
    }

    [Fact]
    public void A_block_views_its_buffer_and_gives_it_back_on_dispose()
    {
        var pool = new HostArrayPool();
        var block = new HostBlock(7, 3, pool);
        Assert.Equal(21, block.Values.Length);
        Assert.True(block.Capacity >= 21);
        block.Column(2).Fill(1.0);
        var wider = block.Reshape(3);
        Assert.Equal(1.0, wider.Column(2)[6]);
        Assert.Throws<ObjectDisposedException>(() => block.Values.Length);
        wider.Dispose();
        Assert.Equal(1, pool.FreeCount);
    }
}
