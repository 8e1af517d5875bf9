import { commitIsolating } from './isolating-commit';

export interface CommitTrainOptions {
  /** Most requests in one commit. */
  maxBatch: number;
  /** Commits in flight at once; requests arriving meanwhile wait for the next one. */
  maxInFlight: number;
  /**
   * True for a commit error that may belong to one request alone (see
   * `commitIsolating`): the commit is split and retried so that only that
   * request fails. Without it, a failed commit fails every request it carried.
   */
  isolable?: (error: unknown) => boolean;
}

interface Passenger<T, R> {
  request: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: while a commit is in flight, requests queue; when it ends,
 * everything queued (up to `maxBatch`) leaves together as the next commit.
 * A lone request departs at once, so an idle system adds no latency; under
 * load one commit (one WAL flush) serves many requests. Each request gets its
 * own answer. A commit that fails with an `isolable` error is split and
 * retried within its slot, so one bad request fails alone; any other failure
 * fails every request it carried.
 */
export class CommitTrain<T, R> {
  private readonly queue: Passenger<T, R>[] = [];
  private inFlight = 0;

  constructor(
    /** Commits the requests together; answers in request order. */
    private readonly commit: (requests: T[]) => Promise<R[]>,
    private readonly options: CommitTrainOptions,
  ) {}

  submit(request: T): Promise<R> {
    return this.submitAll([request])[0]!;
  }

  /** Queues requests together, so an idle train carries them in one commit; one answer each. */
  submitAll(requests: readonly T[]): Promise<R>[] {
    const answers = requests.map((request) => new Promise<R>((resolve, reject) => this.queue.push({ request, resolve, reject })));
    this.depart();
    return answers;
  }

  private depart(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const passengers = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.carry(passengers).finally(() => {
        this.inFlight -= 1;
        this.depart();
      });
    }
  }

  private async carry(passengers: Passenger<T, R>[]): Promise<void> {
    const isolable = this.options.isolable ?? (() => false);
    try {
      const outcomes = await commitIsolating(passengers.map((passenger) => passenger.request), this.commit, isolable);
      outcomes.forEach((outcome, index) => {
        const passenger = passengers[index]!;
        if (outcome.ok) passenger.resolve(outcome.value);
        else passenger.reject(outcome.error);
      });
    } catch (error) {
      for (const passenger of passengers) passenger.reject(error);
    }
  }
}
