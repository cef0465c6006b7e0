namespace FieldCamp.Web.Idempotency;

/// <summary>
/// Holds a response back while it is small enough to keep, so it is stored before the client sees a byte of it (a
/// client that retries the moment it has the answer then gets the replay, never a 409). Beyond
/// <c>limit</c> bytes it stops keeping: what it holds goes out and the rest streams straight through.
/// </summary>
internal sealed class ResponseBuffer(Stream client, long limit) : Stream
{
    private readonly MemoryStream _kept = new();

    /// <summary>True once the response outgrew the limit and went to the client unkept.</summary>
    public bool Overflowed { get; private set; }

    public byte[] Kept => _kept.ToArray();

    /// <summary>Sends the kept response on to the client.</summary>
    public Task ReleaseToClientAsync(CancellationToken cancellationToken) =>
        _kept.Length == 0 ? Task.CompletedTask : client.WriteAsync(_kept.GetBuffer().AsMemory(0, (int)_kept.Length), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Overflowed && _kept.Length + buffer.Length > limit)
        {
            Overflowed = true;
            await ReleaseToClientAsync(cancellationToken);
            _kept.SetLength(0);
        }
        if (Overflowed) await client.WriteAsync(buffer, cancellationToken);
        else _kept.Write(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new InvalidOperationException("Synchronous writes are not allowed.");

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        Overflowed ? client.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override void Flush()
    {
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _kept.Dispose();
        base.Dispose(disposing);
    }
}
