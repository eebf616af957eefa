/**
 * Wires the domain to its adapters. Lambda, the local server and the tests all build the bot here,
 * differing only in the adapters they pass.
 */
import type { PostmortemArchive } from './archive/archive';
import type { BotSettings } from './config';
import type { EscalationEngine } from './escalation/engine';
import type { Clock } from './incidents/time';
import type { JobRunner, Jobs } from './jobs/jobs';
import { createJobRunner } from './jobs/run-job';
import { CommandService } from './service/command-service';
import type { ChatGateway } from './slack/chat';
import type { IncidentStore } from './store/store';

export interface BotAdapters {
  /** Escalation with its scheduler and pagers; without it, escalation jobs do nothing. */
  escalation?: EscalationEngine;
  store: IncidentStore;
  chat: ChatGateway;
  archive: PostmortemArchive;
  clock: Clock;
  settings: BotSettings;
  /** Builds the job queue around the runner (in-process locally, inline or SQS in Lambda). */
  jobs: (runner: JobRunner) => Jobs;
}

export interface Bot {
  commands: CommandService;
  runJob: JobRunner;
  jobs: Jobs;
  store: IncidentStore;
  chat: ChatGateway;
  clock: Clock;
}

export function createBot(adapters: BotAdapters): Bot {
  // The runner queues follow-on jobs on the queue that runs it: a reference resolved after both exist.
  let jobs: Jobs | undefined;
  const runJob = createJobRunner({
    ...adapters,
    enqueue: async (job) => {
      if (!jobs) throw new Error('job queue not ready');
      await jobs.enqueue(job);
    },
  });
  jobs = adapters.jobs(runJob);
  const commands = new CommandService({ ...adapters, jobs });
  return { commands, runJob, jobs, store: adapters.store, chat: adapters.chat, clock: adapters.clock };
}
