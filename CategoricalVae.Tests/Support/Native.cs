using System.Runtime.InteropServices;

namespace CategoricalVae.Tests.Support;

internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Link(string existing, string newPath);
}
