// people.ts: how members and days look in the conversation: a stable colour
// per member from the name, the day a message belongs to and its label.
// Pure functions, no Svelte.

/** hueOf is a hue (0–359) from a name: the same name always gives the
 * same hue, and Alice and Alice#2 (almost always) different ones. */
export function hueOf(name: string): number {
  // FNV-1a over the UTF-16 code units, then spread over the circle.
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 360;
}

/** colourOf is the avatar colour for a name: readable under white text. */
export function colourOf(name: string): string {
  return `hsl(${hueOf(name)} 55% 42%)`;
}

/** suffixOf is the number the host added to a taken name ("Alice#2" → "2"). */
export function suffixOf(name: string): string {
  return /#(\d+)$/.exec(name)?.[1] ?? '';
}

/** dayFormat writes a day as "YYYY-MM-DD" in timeZone (the viewer's by
 * default). Making one is slow: a long list makes it once (see dayKey). */
export function dayFormat(timeZone?: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone });
}

/** dayKey is the calendar day of an RFC 3339 time ("YYYY-MM-DD") in the
 * time zone given (the viewer's by default), or as written by format (from
 * dayFormat); '' for a bad time. */
export function dayKey(rfc3339: string, timeZone?: string, format?: Intl.DateTimeFormat): string {
  const d = new Date(rfc3339);
  if (rfc3339 === '' || Number.isNaN(d.getTime())) return '';
  return (format ?? dayFormat(timeZone)).format(d);
}

/** Day is a date separator's words: today, yesterday, or a date. */
export type Day = { kind: 'today' } | { kind: 'yesterday' } | { kind: 'date'; text: string };

/** dayLabel says which day key (from dayKey) is, seen on the day of now,
 * with dates written for locale. */
export function dayLabel(key: string, now: Date, locale: string, timeZone?: string): Day {
  const today = dayKey(now.toISOString(), timeZone);
  if (key === today) return { kind: 'today' };
  const [y, m, d] = today.split('-').map(Number);
  const yesterday = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
  if (key === yesterday) return { kind: 'yesterday' };
  const [ky, km, kd] = key.split('-').map(Number);
  const at = new Date(Date.UTC(ky, km - 1, kd, 12));
  const sameYear = ky === y;
  const text = new Intl.DateTimeFormat(locale, {
    weekday: 'long', day: 'numeric', month: 'long', year: sameYear ? undefined : 'numeric', timeZone: 'UTC',
  }).format(at);
  return { kind: 'date', text };
}

/** fullStamp is a message's date and time for people (the hover title). */
export function fullStamp(rfc3339: string, locale: string, timeZone?: string): string {
  const d = new Date(rfc3339);
  if (rfc3339 === '' || Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(d);
}
