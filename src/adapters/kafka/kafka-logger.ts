// Routes kafkajs's own logging into the service's structured logger. Without a logger kafkajs
// is silenced: its default writes JSON to the console, which would bury test output and
// bypass the log pipeline.
import { logLevel } from 'kafkajs';
import type { logCreator, LogEntry } from 'kafkajs';

/** The subset of pino's API the adapter needs; a pino logger satisfies it as is. */
export interface StructuredLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type KafkaLogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

const kafkajsLevels: Record<KafkaLogLevel, logLevel> = {
  silent: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function kafkajsLogLevel(level: KafkaLogLevel): logLevel {
  return kafkajsLevels[level];
}

export function kafkajsLogCreator(logger: StructuredLogger | undefined): logCreator {
  return () => (entry: LogEntry) => {
    if (logger === undefined) return;
    const { message, timestamp: _timestamp, ...fields } = entry.log;
    const tagged = { ...fields, component: 'kafkajs', namespace: entry.namespace };
    switch (entry.level) {
      case logLevel.ERROR:
        // kafkajs logs every failed response at ERROR from its Connection layer, including
        // transient ones it retries (coordinator loading, leader moving). The operation's final
        // failure reaches the caller as an exception, so these are warnings here.
        if (entry.namespace === 'Connection') logger.warn(tagged, message);
        else logger.error(tagged, message);
        return;
      case logLevel.WARN:
        logger.warn(tagged, message);
        return;
      case logLevel.INFO:
        logger.info(tagged, message);
        return;
      case logLevel.DEBUG:
        logger.debug(tagged, message);
        return;
      case logLevel.NOTHING:
        return;
    }
  };
}

export const silentLogger: StructuredLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
