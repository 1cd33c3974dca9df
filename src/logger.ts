import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach a log line: the redact list is the last line of defence. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'sealtrust' },
    redact: {
      paths: ['req.headers.authorization', '*.passphrase', '*.privateKey', '*.token', '*.secret'],
      censor: '[redacted]',
    },
  });
}
