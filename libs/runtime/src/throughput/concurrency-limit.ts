import { DomainError } from '../errors/domain-error';

/** One unit of work in progress, counted by a `ConcurrencyLimit` until released. */
export interface Slot {
  /** Gives the slot back; calls after the first do nothing. */
  release(): void;
}

export interface ConcurrencyLimitOptions {
  /** Most slots held at once in this process. */
  max: number;
  /** What the slots are, in the plural and capitalised, for the refusal's message: "Payload scans". */
  what: string;
  /** The setting `max` comes from, named in the refusal. */
  setting: string;
  /** Seconds a refused caller is told to wait (Retry-After). */
  retryAfterSeconds: number;
  /** Called for each caller refused. */
  onRefuse?: () => void;
}

/**
 * A bound on how much of one kind of costly work runs at once in this
 * process, so one caller asking again and again cannot take the process
 * from the requests beside it. Taking a slot never waits: past the bound
 * the caller is refused with DomainError `overloaded`, whose details carry
 * `retryAfterSeconds` (503 with Retry-After, as backpressure answers).
 */
export class ConcurrencyLimit {
  private held = 0;

  constructor(private readonly options: ConcurrencyLimitOptions) {}

  /** Slots held now. */
  get inUse(): number {
    return this.held;
  }

  get max(): number {
    return this.options.max;
  }

  /** A slot, or undefined when all are held. */
  tryTake(): Slot | undefined {
    if (this.held >= this.options.max) return undefined;
    this.held += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held -= 1;
      },
    };
  }

  /** A slot, or DomainError `overloaded` when all are held. */
  take(): Slot {
    const slot = this.tryTake();
    if (!slot) throw this.refusal();
    return slot;
  }

  /** The error a caller refused at the bound gets; counts it as refused. */
  refusal(): DomainError {
    const { max, what, setting, retryAfterSeconds, onRefuse } = this.options;
    onRefuse?.();
    return new DomainError(
      'overloaded',
      `${what} running in this process are at their bound, ${max} (${setting}); retry in ${retryAfterSeconds} s`,
      { limit: max, setting, retryAfterSeconds },
    );
  }
}
