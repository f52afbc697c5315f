// Structured logs (pino) to stderr, so stdout stays for command output (human or --json).
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'tiernet' },
      // Secrets never reach a log line, even when an object carrying one is logged whole.
      redact: {
        paths: [
          'adminToken',
          '*.adminToken',
          'req.headers.authorization',
          'headers.authorization',
          'mysql.url',
          'redis.url',
          '*.password',
          // ioredis puts the failed command on its errors: AUTH's arguments are the user and
          // the password (a wrong Redis password was logged in full as err.command.args).
          '*.command.args',
          '*.cause.command.args',
        ],
        censor: '***',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
