using System.Net;
using System.Net.Sockets;

namespace CategoricalVae.Tests;

/// <summary>An HttpListener on 127.0.0.1 that serves bytes by path; a handler may also cut the connection.</summary>
public sealed class LocalHttpServer : IDisposable
{
    readonly HttpListener _listener = new();
    readonly Func<string, HttpListenerResponse, bool> _handle;
    readonly Task _loop;

    /// <param name="handle">Gets the path and the response; returns false for 404.</param>
    public LocalHttpServer(Func<string, HttpListenerResponse, bool> handle)
    {
        _handle = handle;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    public Uri BaseUri { get; }

    async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            try
            {
                if (!_handle(context.Request.Url!.AbsolutePath, context.Response))
                {
                    context.Response.StatusCode = 404;
                    context.Response.Close();
                }
            }
            catch (Exception)
            {
                try { context.Response.Abort(); } catch (Exception) { }
            }
        }
    }

    public static void Send(HttpListenerResponse response, byte[] body)
    {
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    /// <summary>Announces the full length, sends half, then drops the connection.</summary>
    public static void SendHalfAndCut(HttpListenerResponse response, byte[] body)
    {
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body, 0, body.Length / 2);
        response.OutputStream.Flush();
        response.Abort();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
