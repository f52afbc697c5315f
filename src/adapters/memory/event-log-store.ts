// Optional persistence of the in-process event log, so that a restarted embedded process
// continues where it stopped. Layout of the directory:
//   topics.json                 {"<topic>": <partition count>}
//   offsets.json                {"<group>": {"topics": [...], "committed": {"<topic>": [next offset | null, ...]}}}
//   log/<topic>-<partition>.jsonl  one record per line: {"offset","key","value","headers"?,"timestampMs"}
// The two JSON files are replaced atomically (write, fsync, rename); the JSONL files are
// appended and fsynced per send. A torn last line (crash mid-append) is dropped on load: its
// send never resolved, so nobody was told it was durable. One process owns a directory.
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { TiernetError } from '../../app/errors.ts';

export interface StoredRecord {
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timestampMs: number;
}

export interface StoredGroup {
  readonly topics: string[];
  /** Per topic, per partition: the next offset to consume, or null before the first commit. */
  readonly committed: Record<string, (number | null)[]>;
}

export type StoredTopics = Record<string, number>;
export type StoredGroups = Record<string, StoredGroup>;

export class EventLogStore {
  readonly #directory: string;
  readonly #fsync: boolean;
  readonly #appendHandles = new Map<string, number>();

  constructor(directory: string, fsync: boolean) {
    this.#directory = directory;
    this.#fsync = fsync;
    mkdirSync(join(directory, 'log'), { recursive: true });
  }

  loadTopics(): StoredTopics {
    return this.#readJson<StoredTopics>('topics.json') ?? {};
  }

  loadGroups(): StoredGroups {
    return this.#readJson<StoredGroups>('offsets.json') ?? {};
  }

  saveTopics(topics: StoredTopics): void {
    this.#writeJsonAtomically('topics.json', topics);
  }

  saveGroups(groups: StoredGroups): void {
    this.#writeJsonAtomically('offsets.json', groups);
  }

  /** Records of one partition, in offset order; a torn final line is dropped and reported. */
  loadPartition(topic: string, partition: number): { records: StoredRecord[]; tornTail: boolean } {
    const path = this.#partitionPath(topic, partition);
    if (!existsSync(path)) return { records: [], tornTail: false };
    const lines = readFileSync(path, 'utf8').split('\n');
    const records: StoredRecord[] = [];
    let tornTail = false;
    for (let index = 0; index < lines.length; index += 1) {
      const line = lines[index]!;
      if (line === '') continue;
      const isLast = index === lines.length - 1; // a complete line ends in \n, leaving '' last
      let record: StoredRecord;
      try {
        record = JSON.parse(line) as StoredRecord;
      } catch (error) {
        if (isLast) {
          tornTail = true;
          break;
        }
        throw new TiernetError('internal', `corrupt event log line ${index + 1} in ${path}`, { cause: error });
      }
      if (isLast) {
        tornTail = true;
        break;
      }
      const expected = records.length === 0 ? record.offset : records[records.length - 1]!.offset + 1;
      if (record.offset !== expected) {
        throw new TiernetError('internal', `event log ${path} jumps from offset ${expected} to ${record.offset}`);
      }
      records.push(record);
    }
    return { records, tornTail };
  }

  /** Replaces a partition file with exactly these records (retention, torn-tail repair). */
  rewritePartition(topic: string, partition: number, records: readonly StoredRecord[]): void {
    const path = this.#partitionPath(topic, partition);
    this.#closeHandle(path);
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  }

  append(topic: string, partition: number, records: readonly StoredRecord[]): void {
    const path = this.#partitionPath(topic, partition);
    let fd = this.#appendHandles.get(path);
    if (fd === undefined) {
      fd = openSync(path, 'a');
      this.#appendHandles.set(path, fd);
    }
    writeSync(fd, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    if (this.#fsync) fdatasyncSync(fd);
  }

  close(): void {
    for (const path of [...this.#appendHandles.keys()]) this.#closeHandle(path);
  }

  #closeHandle(path: string): void {
    const fd = this.#appendHandles.get(path);
    if (fd === undefined) return;
    this.#appendHandles.delete(path);
    closeSync(fd);
  }

  #partitionPath(topic: string, partition: number): string {
    return join(this.#directory, 'log', `${topic}-${partition}.jsonl`);
  }

  #readJson<T>(name: string): T | null {
    const path = join(this.#directory, name);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (error) {
      throw new TiernetError('internal', `cannot read ${path}`, { cause: error });
    }
  }

  #writeJsonAtomically(name: string, value: unknown): void {
    const path = join(this.#directory, name);
    const temporary = `${path}.tmp`;
    writeFileSync(temporary, JSON.stringify(value));
    if (this.#fsync) {
      const fd = openSync(temporary, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    renameSync(temporary, path);
  }
}
