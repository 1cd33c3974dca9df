/**
 * The work one file may cause, for the whole file (not per stream or per section): a hostile PDF of a few
 * kilobytes can otherwise list thousands of cross-reference sections, each inflating tens of megabytes, and
 * keep a worker busy for seconds while its memory grows. Everything that reads a file with PdfObjectIndex
 * (verification, stamping's pre-flight) charges one PdfBudget:
 *
 *   inflated bytes  total output of FlateDecode (xref and object streams, /DSS items …): a multiple of the
 *                   file size, never below a floor (small legitimate files) nor above a hard cap;
 *   xref entries    total entries of all cross-reference sections: at most one per byte of the file (a table
 *                   entry takes 20 bytes, §7.5.4), within a floor and a cap;
 *   cached bytes    decoded object streams kept for reuse (evicted least recently used beyond this);
 *   deadline        an absolute time, checked inside the loops of index construction (`tick`).
 *
 * An overrun throws PdfBudgetExceeded, which is NOT a PdfError: the tolerant readers of src/pdf skip what a
 * PdfError says is malformed, but a budget overrun must end the operation. It is also remembered (`exceeded`),
 * so a caller that swallowed it by accident still stops at its next `check`.
 */
export type PdfBudgetLimit = 'inflated-bytes' | 'xref-entries' | 'deadline';

export class PdfBudgetExceeded extends Error {
  override readonly name = 'PdfBudgetExceeded';
  constructor(
    readonly limit: PdfBudgetLimit,
    message: string,
  ) {
    super(message);
  }
}

export interface PdfBudgetLimits {
  /** Inflated bytes allowed per byte of the file. */
  inflatedPerFileByte: number;
  /** Inflated bytes allowed whatever the file size (small files), and the cap whatever the size. */
  minInflatedBytes: number;
  maxInflatedBytes: number;
  /** Cross-reference entries allowed per byte of the file, the floor and the cap. */
  xrefEntriesPerFileByte: number;
  minXrefEntries: number;
  maxXrefEntries: number;
  /** Decoded object streams kept in memory by one index, in bytes. */
  maxCachedBytes: number;
}

export const DEFAULT_PDF_BUDGET_LIMITS: PdfBudgetLimits = {
  // A 20 MB document may inflate 256 MB; a 100 KB one 32 MB (object streams compress text about 5–10×; a
  // legitimate file needs far less than 64× its size in xref and object streams).
  inflatedPerFileByte: 64,
  minInflatedBytes: 32 * 1024 * 1024,
  maxInflatedBytes: 256 * 1024 * 1024,
  xrefEntriesPerFileByte: 1,
  minXrefEntries: 100_000,
  maxXrefEntries: 4_000_000,
  maxCachedBytes: 64 * 1024 * 1024,
};

/** Loop iterations between two clock reads in `tick` (a clock read costs about 30 ns; a loop step less). */
const TICKS_PER_CHECK = 256;

export class PdfBudget {
  readonly maxInflatedBytes: number;
  readonly maxXrefEntries: number;
  readonly maxCachedBytes: number;
  #inflated = 0;
  #entries = 0;
  #ticks = 0;
  #exceeded: PdfBudgetExceeded | null = null;

  constructor(
    readonly fileBytes: number,
    readonly deadline: number | undefined = undefined,
    limits: PdfBudgetLimits = DEFAULT_PDF_BUDGET_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.floor(v)));
    this.maxInflatedBytes = clamp(
      fileBytes * limits.inflatedPerFileByte,
      limits.minInflatedBytes,
      limits.maxInflatedBytes,
    );
    this.maxXrefEntries = clamp(
      fileBytes * limits.xrefEntriesPerFileByte,
      limits.minXrefEntries,
      limits.maxXrefEntries,
    );
    this.maxCachedBytes = limits.maxCachedBytes;
  }

  /** A budget for a file of `fileBytes`, with an optional absolute deadline (ms since the epoch). */
  static forFile(fileBytes: number, opts: { deadline?: number | undefined; limits?: PdfBudgetLimits } = {}) {
    return new PdfBudget(fileBytes, opts.deadline, opts.limits ?? DEFAULT_PDF_BUDGET_LIMITS);
  }

  get inflatedBytes(): number {
    return this.#inflated;
  }
  get xrefEntries(): number {
    return this.#entries;
  }
  /** The first overrun, if any (sticky). */
  get exceeded(): PdfBudgetExceeded | null {
    return this.#exceeded;
  }
  /** Bytes that may still be inflated. */
  get inflateRemaining(): number {
    return Math.max(0, this.maxInflatedBytes - this.#inflated);
  }

  /** Records `n` inflated bytes; throws once the total passes the budget. */
  chargeInflated(n: number): void {
    this.check();
    this.#inflated += n;
    if (this.#inflated > this.maxInflatedBytes) this.inflatedOverrun();
  }

  /** Throws the inflated-bytes overrun (a stream was cut short at the remaining budget). */
  inflatedOverrun(): never {
    throw this.#fail(
      'inflated-bytes',
      `the file's streams inflate to more than ${this.maxInflatedBytes} bytes (${this.fileBytes}-byte file)`,
    );
  }

  /** Records `n` cross-reference entries; throws once the total passes the budget. */
  chargeXrefEntries(n: number): void {
    this.check();
    this.#entries += n;
    if (this.#entries > this.maxXrefEntries)
      throw this.#fail(
        'xref-entries',
        `the file's cross-reference sections list more than ${this.maxXrefEntries} entries (${this.fileBytes}-byte file)`,
      );
  }

  /** One step of a loop: reads the clock every few hundred steps. */
  tick(): void {
    if (++this.#ticks % TICKS_PER_CHECK === 0) this.check();
  }

  /** Throws if the budget was already exceeded or the deadline has passed. */
  check(): void {
    if (this.#exceeded) throw this.#exceeded;
    if (this.deadline !== undefined && this.now() > this.deadline)
      throw this.#fail('deadline', 'reading the file exceeded its time budget');
  }

  #fail(limit: PdfBudgetLimit, message: string): PdfBudgetExceeded {
    return (this.#exceeded ??= new PdfBudgetExceeded(limit, message));
  }
}
