import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach a log line: the redact list is the last line of defence. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'sealtrust' },
    redact: {
      paths: [
        'req.headers.authorization',
        '*.passphrase',
        '*.privateKey',
        '*.token',
        '*.secret',
        // Key vault and personal data: the KEK, wrapped keys, PEM keys, holder codes (持证主体代码).
        '*.kek',
        '*.wrappedKey',
        '*.privateKeyPem',
        '*.holderCode',
      ],
      censor: '[redacted]',
    },
  });
}
