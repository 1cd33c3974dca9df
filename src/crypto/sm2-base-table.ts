import { SM2_BASE_PRECOMPUTE_WINDOW, Sm2Point } from './sm2-curve.js';

// noble starts the base point with a small window-6 table (milliseconds to build), right for a
// one-shot CLI signature. A process that keeps signing or verifying gets the big table after
// UPGRADE_AFTER operations, or at once if it calls sm2WarmUp() (servers, pool workers).
const UPGRADE_AFTER = 200;
let uses = 0;
let upgraded = false;

/** Build the large base-point table now (about 0.2 s, once per thread). */
export function sm2WarmUp(): void {
  if (upgraded) return;
  upgraded = true;
  Sm2Point.BASE.precompute(SM2_BASE_PRECOMPUTE_WINDOW, false);
}

/** Count one base-point multiplication; upgrades the table once the process proves busy. */
export function noteBasePointUse(): void {
  if (!upgraded && ++uses >= UPGRADE_AFTER) sm2WarmUp();
}
