import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sm3Hex } from '../crypto/sm3.js';
import type { TimelineStore } from '../service/verification/federated-directory-view.js';
import { parseCheckpoint } from '../tlog/checkpoint.js';

// The command line's checkpoint timeline (federation.md §3.5, Go sumdb's client "never go backwards"): the
// largest verified checkpoint of each log origin, kept between runs in `<dir>/<SM3 of the origin>.checkpoint`,
// so a hub that later shows an older or forked tree is caught by the next `sealtrust verify --trust-list` too,
// as a node catches it with its `verifier_checkpoints` table. A text that does not parse counts as none.

export class FileTimelineStore implements TimelineStore {
  #warned = false;

  constructor(
    readonly dir: string,
    private readonly warn: (line: string) => void = () => {},
  ) {}

  #file(origin: string): string {
    return join(this.dir, `${sm3Hex(Buffer.from(origin, 'utf8'))}.checkpoint`);
  }

  read(origin: string): Promise<string | undefined> {
    try {
      const text = readFileSync(this.#file(origin), 'utf8');
      parseCheckpoint(text);
      return Promise.resolve(text);
    } catch {
      return Promise.resolve(undefined);
    }
  }

  /** Writes `text` when it is larger than what the file holds (atomically: a reader never sees half a file). */
  async advance(origin: string, size: number, text: string): Promise<void> {
    const held = await this.read(origin);
    if (held !== undefined && parseCheckpoint(held).size >= size) return;
    const file = this.#file(origin);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      // A read-only cache still verifies; it only forgets the timeline between runs.
      if (!this.#warned)
        this.warn(
          `无法保存检查点时间线 / cannot keep the checkpoint timeline in ${this.dir}: ${(err as Error).message}`,
        );
      this.#warned = true;
    }
  }
}
