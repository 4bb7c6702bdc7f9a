namespace Channels;

/// <summary>
/// Notices, in a child, that its parent is gone. The parent holds the write end of the child's standard input and
/// never writes to it; the kernel closes it when the parent exits or is killed, so end of input means the parent is
/// gone (or disposed the child's handle). Python's children likewise do not own their standard input.
/// </summary>
internal static class ParentWatch
{
    public static void Start(Action onParentGone)
    {
        var thread = new Thread(static state =>
        {
            var callback = (Action)state!;
            try
            {
                using Stream input = Console.OpenStandardInput();
                byte[] buffer = new byte[256];
                while (input.Read(buffer, 0, buffer.Length) > 0)
                {
                    // The parent never writes; anything read is ignored.
                }
            }
            catch (IOException)
            {
                // A broken pipe means the same as end of input.
            }
            callback();
        })
        {
            IsBackground = true,
            Name = "Channels parent watch",
        };
        thread.Start(onParentGone);
    }
}
