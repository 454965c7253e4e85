using System.Buffers;
using System.Runtime.CompilerServices;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// A pass-through duplex stream that can hold writes back: between <see cref="Cork"/> and
/// <see cref="UncorkAsync"/> every write is appended to a pooled buffer, and uncorking writes the
/// whole buffer to the inner stream in ONE write (one flush, one send syscall). Placed under a
/// server-side WebSocket, it lets the session writer send a batch of WAMP messages as many
/// WebSocket frames but one transport write (the WebSocket writes every frame on its own otherwise,
/// and Kestrel's upgraded stream flushes each write).
///
/// Writes may come from two parties: the writer loop (through the WebSocket) and the WebSocket's
/// own keep-alive pings (a timer). All inner writes and buffer appends are serialized by one lock,
/// so frames never interleave; reads pass straight through.
/// </summary>
public sealed class CoalescingStream(Stream inner) : Stream
{
    /// <summary>Held-back bytes beyond this are written through at once (bounds the buffer).</summary>
    private const int MaxBuffered = 64 * 1024;

    private readonly Stream _inner = inner;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private byte[]? _buffer;
    private int _count;
    private volatile bool _corked;

    /// <summary>Start holding writes back. Called by the single writer, paired with <see cref="UncorkAsync"/>.</summary>
    public void Cork() => _corked = true;

    /// <summary>Stop holding writes back and write everything held in one inner write.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask UncorkAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _corked = false;
            await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Between batches nothing is held: the buffer goes back to the pool (an idle session keeps none).
            ReturnHeldBuffer();
            _writeLock.Release();
        }
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_corked && _count + buffer.Length <= MaxBuffered)
            {
                Append(buffer.Span);
                return;
            }
            await WriteHeldAsync(cancellationToken).ConfigureAwait(false);
            await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_buffer is null || _buffer.Length - _count < data.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(4096, Math.Max(_count + data.Length, (_buffer?.Length ?? 0) * 2)));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _count).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
            }
            _buffer = bigger;
        }
        data.CopyTo(_buffer.AsSpan(_count));
        _count += data.Length;
    }

    /// <summary>Writes the held bytes (caller holds the lock).</summary>
    private ValueTask WriteHeldAsync(CancellationToken cancellationToken)
    {
        if (_count == 0) return ValueTask.CompletedTask;
        int count = _count;
        _count = 0;
        return _inner.WriteAsync(_buffer.AsMemory(0, count), cancellationToken);
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken)
        => _corked ? Task.CompletedTask : _inner.FlushAsync(cancellationToken);

    /// <inheritdoc/>
    public override void Flush()
    {
        if (!_corked) _inner.Flush();
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _inner.ReadAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => _inner.ReadAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    /// <inheritdoc/>
    public override bool CanRead => _inner.CanRead;
    /// <inheritdoc/>
    public override bool CanWrite => _inner.CanWrite;
    /// <inheritdoc/>
    public override bool CanSeek => false;
    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            ReleaseBuffer();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        ReleaseBuffer();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void ReleaseBuffer()
    {
        // Only when no write is in progress; a racing writer keeps the buffer (the GC takes it).
        if (!_writeLock.Wait(0)) return;
        ReturnHeldBuffer();
        _writeLock.Release();
    }

    /// <summary>Gives the buffer back to the pool (caller holds the lock; whatever was held is dropped).</summary>
    private void ReturnHeldBuffer()
    {
        var buffer = _buffer;
        _buffer = null;
        _count = 0;
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }
}
