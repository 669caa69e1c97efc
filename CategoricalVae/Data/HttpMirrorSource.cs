namespace CategoricalVae.Data;

/// <summary>Downloads the gzipped files from HTTP mirrors, in order, the way torchvision does.</summary>
public sealed class HttpMirrorSource : IMnistSource
{
    /// <summary>The mirrors torchvision's MNIST tries.</summary>
    public static readonly IReadOnlyList<Uri> DefaultMirrors =
    [
        new("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new("https://yann.lecun.com/exdb/mnist/"),
    ];

    readonly IReadOnlyList<Uri> _mirrors;
    readonly HttpClient _http;

    public HttpMirrorSource(IReadOnlyList<Uri>? mirrors = null, HttpClient? http = null)
    {
        _mirrors = mirrors ?? DefaultMirrors;
        _http = http ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    public string Description => "MNIST mirrors over HTTPS (" + string.Join(", ", _mirrors.Select(m => m.Host)) + ")";

    public async Task<IReadOnlyList<FetchFailure>> FetchAsync(IReadOnlyList<MnistFile> missing, string dataDir, CancellationToken cancel)
    {
        var failures = new List<FetchFailure>();
        foreach (MnistFile file in missing)
        {
            FetchFailure? lastError = null;
            foreach (Uri mirror in _mirrors)
            {
                var url = new Uri(mirror, file.GzName);
                lastError = await PartFile.WriteVerifiedAsync(Path.Combine(dataDir, file.GzName), file, async output =>
                {
                    using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancel);
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync(cancel);
                    await body.CopyToAsync(output, cancel);
                });
                if (lastError == null || lastError.NoSpace)
                    break;
                lastError = lastError with { Message = $"{lastError.Message} ({url})" };
            }
            if (lastError != null)
                failures.Add(lastError);
        }
        return failures;
    }
}
