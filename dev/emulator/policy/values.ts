/**
 * Typed condition values (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements "Condition"): numbers for Numeric*, instants for Date*, booleans for Bool. Each
 * parser reads a policy value (JSON string, number or boolean) or a request context value (always a string) and
 * returns null when the text is not of its type - never a guess such as `Number('') === 0`.
 */

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== 'string' || !DECIMAL.test(raw)) return null;
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}

/**
 * ISO-8601 date or date-time, e.g. `2019-08-12T17:00:00+08:00` (the RAM doc's own example) or `2012-11-11T23:59:59Z`
 * (https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements `acs:CurrentTime`). A date-time without a zone is read as UTC, not as the host's local time, so the
 * verdict does not depend on where the emulator runs.
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const EPOCH_SECONDS = /^\d{1,12}$/;

/** Milliseconds since the epoch, from ISO-8601 text or epoch seconds (a JSON number or a string of digits). */
export function parseDate(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw * 1000 : null;
  if (typeof raw !== 'string') return null;
  if (EPOCH_SECONDS.test(raw)) return Number(raw) * 1000;
  const m = ISO_8601.exec(raw);
  if (m === null) return null;
  const part = (i: number): number => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = Math.floor(Number(`0.${m[7] ?? '0'}`) * 1000);
  const offset = parseOffsetMinutes(m[8]);
  if (offset === null) return null;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0-99 literal, unlike Date.UTC
  utc.setUTCHours(hour, minute, second, millis);
  return utc.getTime() - offset * 60_000;
}

/** `Z`, `+08:00`, `+0800`, `+08` → minutes east of UTC; absent → 0 (UTC). */
function parseOffsetMinutes(zone: string | undefined): number | null {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `true` / `false`, as JSON booleans or strings in any case (the docs write `"true"`). */
export function parseBool(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw !== 'string') return null;
  const lower = raw.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : null;
}
