using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Channels.Runtime.Tests.Diagnostics;

/// <summary>One log event as a logger received it, with its structured fields.</summary>
internal sealed record LogRecord(string Category, LogLevel Level, EventId EventId, IReadOnlyDictionary<string, object?> Fields, Exception? Exception);

/// <summary>A logger factory that keeps every record with its structured fields (set as ChannelOptions.LoggerFactory).</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<LogRecord> _records = new();

    public IReadOnlyList<LogRecord> Records => _records.ToArray();

    /// <summary>The records of event <paramref name="id"/>.</summary>
    public LogRecord[] Of(int id) => _records.Where(r => r.EventId.Id == id).ToArray();

    /// <summary>Waits until an event <paramref name="id"/> is logged (events of other threads arrive a little later).</summary>
    public async Task<LogRecord> WaitForAsync(int id, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Of(id).FirstOrDefault() is { } record)
                return record;
            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No event {id} was logged within {timeout}; logged: {string.Join(", ", _records.Select(r => r.EventId.ToString()))}.");
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _records);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogRecord> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = new Dictionary<string, object?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (KeyValuePair<string, object?> pair in pairs)
                    fields[pair.Key] = pair.Value;
            }
            records.Enqueue(new LogRecord(category, logLevel, eventId, fields, exception));
        }
    }
}
