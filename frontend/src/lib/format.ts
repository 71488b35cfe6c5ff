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
