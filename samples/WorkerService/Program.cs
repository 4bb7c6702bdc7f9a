// A worker service: serves IGreeter links (a handler per link, in a DI scope) and hosts the IWorkBoard queues, whose
// jobs a child process squares. `dotnet run` starts it; Ctrl+C stops it cleanly: the listener stops accepting, the
// links complete, the child is stopped, the queues are closed and their files removed.
// The endpoint names come from the configuration: --Greeter=name --Work=name (defaults below).
using Channels;
using Channels.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WorkerService;

// A process started as a child runs its entry and exits here.
if (ChildProcess.IsChild)
    return await ChildProcess.RunAsync();

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
string greeter = builder.Configuration["Greeter"] ?? "workerservice-greeter";
string work = builder.Configuration["Work"] ?? "workerservice-work";

builder.Services
    .AddSingleton<Greeting>()
    .AddChannelListener<IGreeter, GreeterHandler>(_ => IGreeter.Listen(greeter))
    .AddChannelQueue(_ => IWorkBoard.Create(work))
    .AddHostedService<SquarerLauncher>();

using IHost host = builder.Build();
await host.RunAsync();
Console.WriteLine("stopped");
return 0;
