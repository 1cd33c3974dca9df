/**
 * The calendar date in China (UTC+8, no daylight saving), YYYY-MM-DD: licence dates are civil dates there, and
 * a baby born this morning in Beijing is not "in the future".
 */
export function chinaDate(at: Date = new Date()): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
