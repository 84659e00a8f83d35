/** Analyses slower than this delay the next one of the same document... */
const SLOW_ANALYSIS_MS = 200;
/** ...by as long as they took, up to this. */
const MAX_ANALYSIS_DELAY_MS = 1500;

/** What the scheduler may ask about messages that arrived but were not handled yet. */
export interface QueuedWork {
  /** A newer change to the document is queued: analysing now would be wasted. */
  isStale(uri: string): boolean;
  /** A hover, completion or code action is queued: it goes first. */
  requestsWaiting(): boolean;
}

/** Requests that never reach a handler must not hold analyses back for long. */
const MAX_YIELD_MS = 50;

/**
 * Decides which document is analysed next, one per turn of the event loop so that hovers,
 * completions and code actions are answered between analyses:
 * - changes queued for a document are coalesced into one analysis (the queue holds documents, not
 *   edits), including changes still in the transport's queue (`QueuedWork`);
 * - interactive requests waiting in the transport's queue are answered before the next analysis;
 * - the document the user is editing goes first, then the others in the order they were queued;
 * - a document whose last analysis was slow (a pathological paste) waits as long as it took, so a
 *   burst of edits to it costs one analysis and the other documents get their turn.
 * The queue can never hold more entries than there are open documents.
 */
export class AnalysisScheduler {
  /** Queued documents; a Map keeps the order they were queued in. */
  private readonly queued = new Map<string, { urgent: boolean }>();
  private readonly cost = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  private pumping = false;
  private timer: NodeJS.Timeout | undefined;

  private yieldingSince: number | undefined;

  /** `run` analyses and publishes one document; it must not throw. */
  constructor(
    private readonly run: (uri: string) => void,
    private readonly incoming?: QueuedWork,
  ) {}

  /** `urgent`: the user changed this document (it goes before documents queued for other reasons). */
  schedule(uri: string, urgent = false): void {
    const q = this.queued.get(uri);
    if (q) q.urgent ||= urgent;
    else this.queued.set(uri, { urgent });
    this.pump();
  }

  /** The document is closed: nothing more is done for it. */
  forget(uri: string): void {
    this.queued.delete(uri);
    this.cost.delete(uri);
    this.notBefore.delete(uri);
  }

  get pending(): number {
    return this.queued.size;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.pumping = false;
    const now = Date.now();
    if (this.incoming?.requestsWaiting() && now - (this.yieldingSince ??= now) < MAX_YIELD_MS) {
      this.pump();
      return;
    }
    this.yieldingSince = undefined;
    const next = this.pick(now);
    if (next) {
      this.queued.delete(next);
      const started = Date.now();
      this.run(next);
      const took = Date.now() - started;
      this.cost.set(next, took);
      if (took > SLOW_ANALYSIS_MS) this.notBefore.set(next, Date.now() + Math.min(took, MAX_ANALYSIS_DELAY_MS));
      else this.notBefore.delete(next);
    }
    if (this.queued.size === 0) return;
    if (this.pick(Date.now())) this.pump();
    else this.wakeAt(Math.min(...[...this.queued.keys()].map((u) => this.notBefore.get(u) ?? 0)));
  }

  /** The next document that may run now: urgent first, then the oldest queued. */
  private pick(now: number): string | undefined {
    let background: string | undefined;
    for (const [uri, q] of this.queued) {
      if ((this.notBefore.get(uri) ?? 0) > now) continue;
      // Its next change re-queues it when handled.
      if (this.incoming?.isStale(uri)) {
        this.queued.delete(uri);
        continue;
      }
      if (q.urgent) return uri;
      background ??= uri;
    }
    return background;
  }

  private wakeAt(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queued.clear();
  }
}
