export interface CommitTrainOptions {
  /** Most requests in one commit. */
  maxBatch: number;
  /** Commits in flight at once; requests arriving meanwhile wait for the next one. */
  maxInFlight: number;
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
 * own answer; a failed commit fails every request it carried.
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
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.depart();
    });
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
    try {
      const results = await this.commit(passengers.map((passenger) => passenger.request));
      if (results.length !== passengers.length) throw new Error(`commit answered ${results.length} of ${passengers.length} requests`);
      passengers.forEach((passenger, index) => passenger.resolve(results[index]!));
    } catch (error) {
      for (const passenger of passengers) passenger.reject(error);
    }
  }
}
