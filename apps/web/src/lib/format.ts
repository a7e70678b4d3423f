const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const zone = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' });

export function formatDateTime(iso: string): string {
  // With the time zone ("Jan 8, 2030, 10:00 AM UTC"): a time alone is ambiguous.
  const date = new Date(iso);
  const name = zone.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value;
  return name ? `${dateTime.format(date)} ${name}` : dateTime.format(date);
}

/** `Account_Tier__c` → "Account tier", `FirstName` → "First name". */
export function fieldLabel(apiName: string): string {
  const words = apiName
    .replace(/__c$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldValue(value: string | number | boolean | null): string {
  if (value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}
