// The bench's traffic: many distinct subscribers in a sandbox line dataset written for the run
// (the service's built-in sandbox and the sandbox operator server both read it through
// SANDBOX_LINES_FILE), and decision bodies over the three shipped use cases. Mostly ordinary
// lines, some new or just swapped (the answers a policy acts on), 1 in 100 numbers unknown to
// the operator. Seeded: every run sends the same traffic.

/** mulberry32: small, fast, seeded; the traffic need not be secure, only repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const int = (random: () => number, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The i-th subscriber's number: +34 61x xxx xxx, away from the demo lines (+34 600 000 0xx). */
export const subscriberNumber = (index: number) => `+3461${String(index).padStart(7, '0')}`;
/** A number the operator does not know (NOT_SUBSCRIBER): +34 62x xxx xxx. */
const unknownNumber = (index: number) => `+3462${String(index).padStart(7, '0')}`;

/** One dataset entry, most of them long-standing lines with no recent change. */
function line(phoneNumber: string, random: () => number, now: number): Record<string, string> {
  const entry: Record<string, string> = { phoneNumber };
  const sinceDays = random() < 0.9 ? int(random, 400, 6000) : int(random, 1, 365);
  entry.subscriberSince = isoDate(now - sinceDays * DAY_MS);
  const contract = random();
  if (contract < 0.6) entry.contractType = 'PAYM';
  else if (contract < 0.9) entry.contractType = 'PAYG';
  else if (contract < 0.97) entry.contractType = 'Business';
  const sim = random();
  if (sim < 0.85) entry.latestSimChange = `${entry.subscriberSince}T09:00:00Z`;
  else if (sim < 0.95) entry.latestSimChange = `-${int(random, 3, Math.max(3, Math.min(300, sinceDays)))}d`;
  else if (sim < 0.98) entry.latestSimChange = `-${int(random, 1, 72)}h`;
  const device = random();
  if (device < 0.8) entry.latestDeviceChange = `-${int(random, 10, 900)}d`;
  else if (device < 0.85) entry.latestDeviceChange = `-${int(random, 1, 72)}h`;
  return entry;
}

/** The line dataset for `count` subscribers, as SANDBOX_LINES_FILE reads it. */
export function lineDataset(count: number, seed = 13, now = Date.now()): { lines: Record<string, string>[] } {
  const random = seededRandom(seed);
  return { lines: Array.from({ length: count }, (_, i) => line(subscriberNumber(i), random, now)) };
}

/** The use cases' shares of the traffic, and what each body carries besides the number. */
function decisionBody(random: () => number, phoneNumber: string, subjectId: string, now: number): object {
  const pick = random();
  if (pick < 0.3) return { useCase: 'onboarding', phoneNumber, subjectId };
  if (pick < 0.8) {
    // Minor units, from 1.00 to about 5,000.00, most payments small.
    const amount = Math.round(100 * Math.pow(5000, random()));
    const currency = random() < 0.7 ? 'EUR' : random() < 0.67 ? 'GBP' : 'USD';
    return { useCase: 'p2p_recipient', phoneNumber, subjectId, context: { amount, currency } };
  }
  return { useCase: 'account_recovery', phoneNumber, subjectId, trustedSince: isoDate(now - int(random, 2, 1000) * DAY_MS) };
}

/**
 * `size` request bodies (JSON text) over `numbers` subscribers drawn uniformly (a cache sees
 * a number again only as often as chance brings it back), 1% of them unknown numbers.
 */
export function decisionBodies(numbers: number, size: number, seed = 7, now = Date.now()): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: size }, () => {
    const index = Math.floor(random() * numbers);
    const phoneNumber = random() < 0.01 ? unknownNumber(index) : subscriberNumber(index);
    return JSON.stringify(decisionBody(random, phoneNumber, `customer-${index}`, now));
  });
}

/** Hands out the bodies in turn, forever, and unique Idempotency-Keys. */
export class Traffic {
  private next = 0;
  private keys = 0;

  constructor(
    readonly bodies: readonly string[],
    private readonly runId: string,
  ) {}

  body(): string {
    const body = this.bodies[this.next];
    this.next = (this.next + 1) % this.bodies.length;
    return body;
  }

  /** A key never sent before in this run: each request is a first request, not a replay. */
  idempotencyKey(): string {
    return `bench-${this.runId}-${(this.keys++).toString(36)}`;
  }
}
