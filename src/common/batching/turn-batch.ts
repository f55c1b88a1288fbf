/**
 * Gathers the requests made in one turn of the event loop and serves them with one call: a
 * decision asks for its signals together, and concurrent decisions in the same turn, so one
 * round trip to the database serves them all instead of one each. The batch function answers
 * in the order of its input; if it throws, every request of the batch rejects with its error.
 */
export class TurnBatch<I, R> {
  private queue: { item: I; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];

  constructor(
    private readonly run: (items: I[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  request(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const waiting = this.queue;
    this.queue = [];
    for (let start = 0; start < waiting.length; start += this.maxBatch) {
      const batch = waiting.slice(start, start + this.maxBatch);
      this.run(batch.map((w) => w.item)).then(
        (results) => batch.forEach((w, i) => w.resolve(results[i])),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      );
    }
  }
}
