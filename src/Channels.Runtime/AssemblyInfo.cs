using System.Runtime.Versioning;

// Unix domain sockets, 0700 runtime directories, signals and shared memory: the runtime runs on Linux only. The
// attribute makes a consumer whose code may run elsewhere (net10.0-windows, or an unannotated net10.0 app) get CA1416
// at compile time instead of a failure at run time.
[assembly: SupportedOSPlatform("linux")]
