// Formatting for display. Amounts arrive as decimal strings and are grouped as text, never
// through floating point, so 1234567.8900 stays exact.
export function groupDigits(integerText) {
  return integerText.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function money(value) {
  if (value === null || value === undefined) return '–';
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) return text;
  const fraction = (match[3] ?? '').padEnd(2, '0');
  const trimmed = fraction.length > 2 && /^0+$/.test(fraction.slice(2)) ? fraction.slice(0, 2) : fraction;
  return `${match[1]}${groupDigits(match[2])}.${trimmed}`;
}

export function count(value) {
  if (value === null || value === undefined) return '–';
  return typeof value === 'number' ? value.toLocaleString('en') : groupDigits(String(value));
}

export function rate(value) {
  if (value === null || value === undefined) return '–';
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  return `${(number * 100).toFixed(number * 100 < 1 ? 4 : 2).replace(/\.?0+$/, '')}%`;
}

export function time(value) {
  if (value === null || value === undefined) return '–';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const pad = (number) => String(number).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function ago(value, nowMs = Date.now()) {
  const atMs = new Date(value).getTime();
  if (Number.isNaN(atMs)) return '';
  const seconds = Math.round((nowMs - atMs) / 1000);
  if (Math.abs(seconds) < 60) return seconds >= 0 ? `${seconds}s ago` : `in ${-seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return minutes >= 0 ? `${minutes} min ago` : `in ${-minutes} min`;
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return hours >= 0 ? `${hours} h ago` : `in ${-hours} h`;
  const days = Math.round(hours / 24);
  return days >= 0 ? `${days} d ago` : `in ${-days} d`;
}

export function shortId(value, length = 12) {
  const text = String(value ?? '');
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
