using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;

namespace Channels.SharedMemory;

/// <summary>
/// A file of mode 0600 with an unguessable name (128 random bits) in a directory of mode 0700, mapped shared into
/// this process. The creator sizes it and deletes it when done; others map it by path. The mapping stays valid
/// while any operation holds it (<see cref="TryAcquire"/>/<see cref="Release"/>), so disposing never pulls memory
/// from under a thread that is still using it: the last holder unmaps.
/// </summary>
[DebuggerDisplay("Segment {Path}, {Length} bytes")]
internal sealed unsafe class SharedSegment : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly bool _owner;
    private int _holders = 1;
    private int _disposed;

    private SharedSegment(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, long length, bool owner)
    {
        Path = path;
        _file = file;
        _view = view;
        _owner = owner;
        Length = length;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        Pointer = pointer + view.PointerOffset;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The mapped size in bytes.</summary>
    public long Length { get; }

    /// <summary>The start of the mapping (page aligned, zero-filled at creation).</summary>
    public byte* Pointer { get; }

    /// <summary>
    /// Creates <c>&lt;directory&gt;/&lt;prefix&gt;.&lt;32 random hex digits&gt;.shm</c> of <paramref name="length"/>
    /// zero bytes with mode 0600 (never following or reusing an existing file) and maps it.
    /// </summary>
    public static SharedSegment Create(string directory, string prefix, long length)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Shared segments use Unix file modes and futexes.");
        string path = System.IO.Path.Combine(directory, $"{prefix}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.shm");
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite,
            UnixCreateMode = OwnerReadWrite,
        });
        try
        {
            stream.SetLength(length);
            return Map(path, stream, length, owner: true);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Maps an existing segment created by another process of this user.</summary>
    /// <exception cref="IOException">The file is missing or smaller than <paramref name="minimumLength"/>.</exception>
    public static SharedSegment Open(string path, long minimumLength)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        try
        {
            long length = stream.Length;
            if (length < minimumLength)
                throw new IOException($"Shared segment '{path}' has {length} bytes; at least {minimumLength} expected.");
            return Map(path, stream, length, owner: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Maps the memory file <paramref name="handle"/> (a memfd, which has no path to delete) of
    /// <paramref name="length"/> bytes; the segment owns the handle. <paramref name="name"/> only names it in messages.
    /// </summary>
    /// <exception cref="IOException">The file is smaller than <paramref name="length"/>.</exception>
    public static SharedSegment Adopt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string name, long length)
    {
        var stream = new FileStream(handle, FileAccess.ReadWrite);
        try
        {
            if (stream.Length < length)
                throw new IOException($"Shared segment '{name}' has {stream.Length} bytes; at least {length} expected.");
            return Map(name, stream, length, owner: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Deletes segment files whose names start with <paramref name="prefix"/> (left behind by a creator that was killed).</summary>
    public static void DeleteStale(string directory, string prefix)
    {
        foreach (string stale in Directory.EnumerateFiles(directory, prefix + ".*.shm"))
        {
            try { File.Delete(stale); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static SharedSegment Map(string path, FileStream stream, long length, bool owner)
    {
        var file = MemoryMappedFile.CreateFromFile(stream, null, length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.ReadWrite);
            return new SharedSegment(path, file, view, length, owner);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Holds the mapping for one operation; false once the segment is disposed.</summary>
    public bool TryAcquire()
    {
        int holders = Volatile.Read(ref _holders);
        while (holders > 0)
        {
            int seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders)
                return true;
            holders = seen;
        }
        return false;
    }

    /// <summary>Ends a <see cref="TryAcquire"/>; the last holder after <see cref="Dispose"/> unmaps.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
            Unmap();
    }

    /// <summary>Deletes the file (creator) and unmaps once no operation holds the mapping.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (_owner)
        {
            try { File.Delete(Path); } catch (IOException) { }
        }
        Release();
    }

    private void Unmap()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
