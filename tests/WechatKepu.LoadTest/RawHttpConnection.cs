using System.Net;
using System.Net.Sockets;
using System.Text;

namespace WechatKepu.LoadTest;

/// <summary>
/// One keep-alive HTTP/1.1 connection that sends prepared request bytes and reads one response at a
/// time: the load generator shares the machine with the server, so every microsecond it spends on
/// headers collections and content streams (as HttpClient does) is taken from the server. It handles what
/// Kestrel sends back: a status line, headers, and a body with Content-Length or chunked encoding.
/// </summary>
public sealed class RawHttpConnection : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private readonly Socket _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(Socket socket) => _socket = socket;

    public static async Task<RawHttpConnection> ConnectAsync(IPEndPoint server)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server);
        return new RawHttpConnection(socket);
    }

    /// <summary>A complete request (request line, headers including Host and Content-Length, body).</summary>
    public static byte[] Request(string method, string host, string pathAndQuery, string contentType, byte[] body, string? authorization = null)
    {
        var auth = authorization is null ? "" : $"Authorization: {authorization}\r\n";
        var head = Encoding.ASCII.GetBytes(
            $"{method} {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    /// <summary>Sends the request and reads the response; the body stays valid until the next call.</summary>
    public async Task<RawResponse> SendAsync(ReadOnlyMemory<byte> request)
    {
        await _socket.SendAsync(request, SocketFlags.None);
        var headerEnd = await FillUntilAsync(HeaderEnd);
        var head = new ReadOnlySpan<byte>(_buffer, _start, headerEnd - _start);
        var status = ParseStatus(head);
        var (length, chunked) = ParseFraming(head);
        _start = headerEnd + HeaderEnd.Length;
        if (!chunked)
        {
            await FillAsync(length);
            var body = new ArraySegment<byte>(_buffer, _start, length);
            _start += length;
            return new RawResponse(status, body);
        }

        // Chunked (problem details): copy the chunks out; this path is for errors only.
        var content = new MemoryStream();
        while (true)
        {
            var lineEnd = await FillUntilAsync("\r\n"u8.ToArray());
            var size = Convert.ToInt32(Encoding.ASCII.GetString(_buffer, _start, lineEnd - _start).Split(';')[0].Trim(), 16);
            _start = lineEnd + 2;
            await FillAsync(size + 2);
            content.Write(_buffer, _start, size);
            _start += size + 2;
            if (size == 0)
            {
                return new RawResponse(status, new ArraySegment<byte>(content.ToArray()));
            }
        }
    }

    private static int ParseStatus(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK"
        if (head.Length < 12 || !head.StartsWith("HTTP/1."u8))
        {
            throw new InvalidDataException("Not an HTTP/1.x response");
        }

        return (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    }

    private static (int Length, bool Chunked) ParseFraming(ReadOnlySpan<byte> head)
    {
        var length = 0;
        var chunked = false;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                length = int.Parse(value, provider: null);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                chunked = value.IndexOf("chunked"u8) >= 0;
            }
        }

        return (length, chunked);
    }

    /// <summary>Reads until <paramref name="marker"/> is buffered; returns its index in the buffer.</summary>
    private async ValueTask<int> FillUntilAsync(byte[] marker)
    {
        while (true)
        {
            var found = new ReadOnlySpan<byte>(_buffer, _start, _end - _start).IndexOf(marker);
            if (found >= 0)
            {
                return _start + found;
            }

            await ReceiveAsync();
        }
    }

    /// <summary>Reads until at least <paramref name="count"/> bytes from the current position are buffered.</summary>
    private async ValueTask FillAsync(int count)
    {
        while (_end - _start < count)
        {
            await ReceiveAsync();
        }
    }

    private async ValueTask ReceiveAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            (_end, _start) = (_end - _start, 0);
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("The server closed the connection");
        }

        _end += read;
    }

    public void Dispose() => _socket.Dispose();
}

public readonly record struct RawResponse(int Status, ArraySegment<byte> Body)
{
    public bool BodyStartsWith(ReadOnlySpan<byte> prefix) => Body.AsSpan().StartsWith(prefix);

    public string Text => Encoding.UTF8.GetString(Body);
}
