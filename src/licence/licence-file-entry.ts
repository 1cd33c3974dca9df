import type { LicenceFileFormat } from '../config.js';

export type { LicenceFileFormat };

/** One layout file of a licence or copy as the directory lists it (ofd.md §4.3): never its bytes. */
export interface LicenceFileEntry {
  format: LicenceFileFormat;
  /** SM3 of the file, lower-case hex. */
  sm3: string;
  /** Size in bytes. */
  bytes: number;
}

/** The directory's order: the PDF first, then the OFD (the order SEALTRUST_LICENCE_FORMATS is read in). */
export const LICENCE_FILE_FORMATS: readonly LicenceFileFormat[] = ['pdf', 'ofd'];

export function sortFiles<T extends { format: LicenceFileFormat }>(files: readonly T[]): T[] {
  return [...files].sort(
    (a, b) => LICENCE_FILE_FORMATS.indexOf(a.format) - LICENCE_FILE_FORMATS.indexOf(b.format),
  );
}

/** The file of one format, if it was made. */
export function fileOf<T extends { format: LicenceFileFormat }>(
  files: readonly T[],
  format: LicenceFileFormat,
): T | undefined {
  return files.find((f) => f.format === format);
}

/** Whether `sm3` (hex, any case) is one of the files'. */
export function hasFileSm3(files: readonly { sm3: string }[], sm3: string): boolean {
  const want = sm3.toLowerCase();
  return files.some((f) => f.sm3.toLowerCase() === want);
}
