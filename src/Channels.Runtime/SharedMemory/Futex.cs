using System.Runtime.InteropServices;

namespace Channels.SharedMemory;

/// <summary>
/// Futex wait and wake on a 32-bit word of a mapping shared between processes (Linux <c>futex(2)</c> through
/// libc's <c>syscall</c>). The operations are the shared ones, not <c>FUTEX_PRIVATE</c>: a waiter in one process is
/// woken by a wake in another.
/// </summary>
internal static unsafe partial class Futex
{
    private const int FutexWait = 0;
    private const int FutexWake = 1;
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int ETIMEDOUT = 110;

    private static readonly long SysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => throw new PlatformNotSupportedException($"Shared-memory queues need futex(2); its system call number on {RuntimeInformation.ProcessArchitecture} is not known."),
    };

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int* address, int operation, int value, TimeSpec* timeout, int* address2, int value3);

    /// <summary>
    /// Sleeps while <paramref name="word"/> holds <paramref name="expected"/>, at most <paramref name="timeoutMs"/>
    /// milliseconds (<see cref="Timeout.Infinite"/>: no limit). Returns false only when the time ran out; true when
    /// woken, when the word had changed already, or on a signal (callers re-check their condition in every case).
    /// </summary>
    public static bool Wait(int* word, int expected, int timeoutMs)
    {
        long result;
        if (timeoutMs < 0)
        {
            result = Syscall(SysFutex, word, FutexWait, expected, null, null, 0);
        }
        else
        {
            var timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = (timeoutMs % 1000) * 1_000_000L };
            result = Syscall(SysFutex, word, FutexWait, expected, &timeout, null, 0);
        }
        if (result == 0)
            return true;
        int errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ETIMEDOUT => false,
            EAGAIN or EINTR => true,
            _ => throw new IOException($"futex wait failed (errno {errno})."),
        };
    }

    /// <summary>Wakes at most <paramref name="count"/> waiters sleeping on <paramref name="word"/>, in any process.</summary>
    public static void Wake(int* word, int count = int.MaxValue)
        => Syscall(SysFutex, word, FutexWake, count, null, null, 0);
}
