import type { Logger } from '../ports/logger.port';
import type { ReplayStore } from '../ports/replay-store.port';
import type { DomainError } from '../errors/domain-error';
import type { ConcurrencyLimit, Slot } from '../throughput/concurrency-limit';
import { REPLAY_LIMITS } from './replay-limits';
import { ReplayStopped } from './replay-job';

/** The error a replay left running by a process that went away is failed with. */
export const INTERRUPTED = `interrupted: the process running it stopped (no progress for ${REPLAY_LIMITS.staleAfterMs / 1000} s)`;

/**
 * The replays this process runs in the background, at most `limit.max` at
 * once across flows, and the upkeep of all replays: while any runs here, they are marked alive every
 * REPLAY_LIMITS.heartbeatMs; at start and every REPLAY_LIMITS.sweepEveryMs,
 * any replay no process has marked for REPLAY_LIMITS.staleAfterMs is failed
 * as interrupted. Stopping aborts the replays here between two chunks, and
 * each is failed as interrupted before the store closes.
 */
export class ReplayJobs {
  private readonly running = new Map<string, { abort: AbortController; finished: Promise<void> }>();
  private heartbeat: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: ReplayStore,
    private readonly logger: Logger,
    /** Replays running at once in this process (SLUICE_REPLAY_MAX_RUNNING), counted from before their row is written. */
    private readonly limit: ConcurrencyLimit,
  ) {}

  /**
   * Holds a place for a replay about to be written, so that requests
   * arriving together cannot pass the bound between the check and the
   * insert; undefined when every place is taken. Release it if the replay
   * is not launched.
   */
  reserve(): Slot | undefined {
    return this.limit.tryTake();
  }

  /** What a replay refused at the bound gets: 503 `overloaded` with Retry-After. */
  refusal(): DomainError {
    return this.limit.refusal();
  }

  /** Fails the replays a process that died left running, now and then periodically. */
  async start(): Promise<void> {
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), REPLAY_LIMITS.sweepEveryMs);
    this.sweeper.unref();
  }

  /**
   * Runs `work` for the replay in the background, in the place `slot`
   * holds. It ends the replay: succeeded when `work` resolves true, failed
   * with the error it throws (interrupted when the process stops); when it
   * resolves false the replay was already ended elsewhere.
   */
  launch(replayId: string, slot: Slot, work: (signal: AbortSignal) => Promise<boolean>): void {
    const abort = new AbortController();
    // A replay asked for while the process stops is interrupted at once.
    if (this.stopped) abort.abort();
    const finished = this.carryOut(replayId, slot, () => work(abort.signal)).finally(() => {
      this.running.delete(replayId);
      if (this.running.size === 0) this.stopHeartbeat();
    });
    this.running.set(replayId, { abort, finished });
    this.heartbeat ??= setInterval(() => void this.touch(), REPLAY_LIMITS.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Fails every running replay untouched for REPLAY_LIMITS.staleAfterMs; never throws. */
  async sweep(): Promise<string[]> {
    try {
      const interrupted = await this.store.interruptStaleReplays(REPLAY_LIMITS.staleAfterMs, INTERRUPTED);
      if (interrupted.length > 0) this.logger.warn({ replayIds: interrupted }, 'replays left running by a process that stopped are failed as interrupted');
      return interrupted;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for interrupted replays');
      return [];
    }
  }

  /** Stops the sweeps, aborts the replays running here and waits until each is failed as interrupted. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const running = [...this.running.values()];
    for (const job of running) job.abort.abort();
    await Promise.all(running.map((job) => job.finished));
    this.stopHeartbeat();
  }

  private async carryOut(replayId: string, slot: Slot, work: () => Promise<boolean>): Promise<void> {
    let outcome: { status: 'succeeded' } | { status: 'failed'; error: string } | undefined;
    try {
      outcome = (await work()) ? { status: 'succeeded' } : undefined;
    } catch (error) {
      if (error instanceof ReplayStopped) outcome = { status: 'failed', error: error.message };
      else {
        this.logger.error({ replayId, err: error }, 'replay failed');
        outcome = { status: 'failed', error: `the replay failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    } finally {
      // The work is over: its place is free before its end is recorded, so whoever reads the replay as ended may start another.
      slot.release();
    }
    if (!outcome) return;
    try {
      await this.store.finishReplay(replayId, outcome);
    } catch (error) {
      // Left running: the sweep fails it once it has not moved for REPLAY_LIMITS.staleAfterMs.
      this.logger.warn({ replayId, err: error }, 'could not record the end of a replay');
    }
  }

  private async touch(): Promise<void> {
    try {
      await this.store.touchReplays([...this.running.keys()]);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not mark running replays as alive');
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
