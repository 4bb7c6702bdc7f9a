var queueScenario = Channels.TestChild.Queues.QueueScenarios.TryRun(args);
if (queueScenario is not null) return await queueScenario;
return 0;
