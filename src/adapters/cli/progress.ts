// A progress line on stderr for long work: redrawn in place on a terminal, printed at most
// every few seconds otherwise (so CI logs stay readable). stdout stays for the result.
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function createProgress(label: string, enabled: boolean): Progress {
  const interactive = process.stderr.isTTY;
  let lastPrintMs = 0;
  let lastText = '';
  const width = 30;
  return {
    update(done, total) {
      if (!enabled) return;
      const now = Date.now();
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(ratio * width);
      lastText = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')}/${total.toLocaleString('en')} (${Math.floor(ratio * 100)}%)`;
      if (interactive) {
        process.stderr.write(`\r${lastText}`);
      } else if (now - lastPrintMs > 2_000 || done === total) {
        process.stderr.write(`${lastText}\n`);
        lastPrintMs = now;
      }
    },
    finish() {
      if (enabled && interactive && lastText !== '') process.stderr.write('\n');
    },
  };
}
