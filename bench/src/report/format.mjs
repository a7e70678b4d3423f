// @ts-check
// Number formatting and aligned tables for the report.

/** Below this share of its core busy, the server was not what limited a run's req/s. */
export const SATURATED_PCT = 90;

/**
 * A number with thousands separators and `digits` decimals; 'n/a' when missing.
 * @param {unknown} x
 * @param {number} [digits]
 * @returns {string}
 */
export const fmt = (x, digits = 0) =>
  x === undefined || x === null || Number.isNaN(x)
    ? 'n/a'
    : typeof x === 'number'
      ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : String(x);

/**
 * Bytes as kB with two decimals.
 * @param {number} bytes
 */
export const kb = (bytes) => `${fmt(bytes / 1000, 2)} kB`;

/**
 * Prints rows (arrays of strings) as aligned columns; numbers right-aligned.
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const numeric = header.map((_, i) =>
    rows.every((r) => /^[-+]?[\d,.]+[×%*]?$|^n\/a$/.test(r[i] ?? '')),
  );
  /** @param {string[]} cells */
  const line = (cells) =>
    cells
      .map((c, i) =>
        numeric[i] ? String(c).padStart(widths[i] ?? 0) : String(c).padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
