/**
 * formatTime renders an RFC 3339 timestamp (as the backend sends it) as a
 * 24-hour "HH:MM" clock time in the given time zone (the viewer's by default).
 * It returns an empty string for a value that is not a valid time.
 */
export function formatTime(rfc3339: string, timeZone?: string): string {
  const date = new Date(rfc3339);
  if (rfc3339 === '' || Number.isNaN(date.getTime())) {
    return '';
  }
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(date);
}

/**
 * formatStamp is formatTime for a message: the clock time on the day of
 * now, and "YYYY-MM-DD HH:MM" on any other day.
 */
export function formatStamp(rfc3339: string, now: Date = new Date(), timeZone?: string): string {
  const clock = formatTime(rfc3339, timeZone);
  if (clock === '') return '';
  const day = (d: Date) =>
    new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).format(d);
  const then = day(new Date(rfc3339));
  return then === day(now) ? clock : `${then} ${clock}`;
}

/** initials returns up to two characters standing for a name, for avatars. */
export function initials(name: string): string {
  const base = name.replace(/#\d+$/, '').trim();
  const chars = Array.from(base);
  if (chars.length === 0) return '?';
  const words = base.split(/\s+/).filter(Boolean);
  if (words.length >= 2) return (Array.from(words[0])[0] + Array.from(words[1])[0]).toUpperCase();
  return chars.slice(0, /[\u3400-\u9fff]/.test(chars[0]) ? 1 : 2).join('').toUpperCase();
}

/** utf8Length is the length of text in bytes of UTF-8, as the host counts it. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** maxText is the largest message, in bytes (wire.MaxText). */
export const maxText = 8 * 1024;
