namespace CategoricalVae.Common;

/// <summary>
/// Reads the files of run and sweep folders, which a user may have replaced by anything: a symbolic link to nothing
/// or to itself, a folder, a FIFO, a device. Every failure is an <see cref="IOException"/> whose message names the
/// file (by its name: the caller says where) and says what it is, so a reader that turns I/O errors into a note does
/// so for these too.
/// </summary>
/// <remarks>Only regular files are opened. .NET cannot ask for a file's type, but FIFOs, sockets and device files all
/// report a size of 0 on Linux, and an empty regular file reads as "" without being opened, so a file of size 0 is
/// never opened: a FIFO cannot make a reader wait forever and /dev/zero cannot fill memory.</remarks>
public static class RegularFile
{
    /// <summary>The whole text of <paramref name="path"/> ("" when it is empty or not a regular file of any size).</summary>
    public static string ReadAllText(string path)
    {
        var file = Resolve(path);
        if (file.Length == 0)
            return "";
        using var stream = Open(path, file);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The bytes of <paramref name="path"/> (none when it is empty or not a regular file of any size).</summary>
    public static byte[] ReadAllBytes(string path)
    {
        var file = Resolve(path);
        if (file.Length == 0)
            return [];
        using var stream = Open(path, file);
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>A stream over <paramref name="path"/>, or null when it is empty (or not a regular file).</summary>
    public static FileStream? OpenRead(string path)
    {
        var file = Resolve(path);
        return file.Length == 0 ? null : Open(path, file);
    }

    /// <summary>The file at the end of every symbolic link of <paramref name="path"/>; an <see cref="IOException"/>
    /// naming what is wrong when there is none, it is a folder, or the links loop.</summary>
    static FileInfo Resolve(string path)
    {
        var file = new FileInfo(path);
        string name = file.Name;
        if (file.LinkTarget != null)
        {
            FileSystemInfo? target;
            try
            {
                target = file.ResolveLinkTarget(returnFinalTarget: true);
            }
            catch (IOException)
            {
                throw new IOException($"{name} is a symbolic link that loops");
            }
            if (target == null || !(File.Exists(target.FullName) || Directory.Exists(target.FullName)))
                throw new IOException($"{name} is a symbolic link to nothing ({file.LinkTarget})");
            file = new FileInfo(target.FullName);
        }
        if (Directory.Exists(file.FullName))
            throw new IOException($"{name} is a folder, not a file");
        if (!file.Exists)
            throw new FileNotFoundException($"{name} does not exist", path);
        return file;
    }

    /// <summary>Opened for reading while others may write, rename or delete it (a lock being claimed, a run training).</summary>
    static FileStream Open(string path, FileInfo file)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{Path.GetFileName(path)} cannot be read ({e.Message})", e);
        }
    }
}
