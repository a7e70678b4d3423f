// Salesforce record ids. A record id is 15 case-sensitive characters (3-character key prefix
// of the object, e.g. `003` for Contact, then pod and counter); the 18-character form adds
// a 3-character suffix that encodes the case of the first 15, so it survives
// case-insensitive systems. Both forms are accepted wherever an id is.
// Source: "Working with Record IDs" / ID field type, SOAP API Developer Guide
// (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm#i1435616)
// and the knowledge article "What are Salesforce IDs composed of?".

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function isAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

function isUpper(c: string): boolean {
  return c >= 'A' && c <= 'Z';
}

function isLetter(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/** Appends the case-encoding suffix to a 15-character id. */
export function toId18(id15: string): string {
  if (id15.length !== 15 || ![...id15].every(isAlnum))
    throw new Error(`not a 15-character record id: ${id15}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      if (isUpper(id15[chunk * 5 + i]!)) flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[flags]!;
  }
  return id15 + suffix;
}

/**
 * The canonical 15-character id for a 15- or 18-character id, or undefined when the text
 * is not an id. An 18-character id is case-insensitive: its suffix restores the case.
 */
export function canonicalId15(id: string): string | undefined {
  if ((id.length !== 15 && id.length !== 18) || ![...id].every(isAlnum)) return undefined;
  if (id.length === 15) return id;
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const flags = SUFFIX_ALPHABET.indexOf(id[15 + chunk]!.toUpperCase());
    if (flags < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = id[chunk * 5 + i]!;
      if (flags & (1 << i)) {
        if (!isLetter(c)) return undefined;
        out += c.toUpperCase();
      } else {
        out += c.toLowerCase();
      }
    }
  }
  return out;
}

/** Key prefixes of the standard objects the emulator knows; custom objects get `a00`. */
const KEY_PREFIXES: Record<string, string> = {
  account: '001',
  contact: '003',
  lead: '00Q',
  user: '005',
};

export function keyPrefix(objectName: string): string {
  return KEY_PREFIXES[objectName.toLowerCase()] ?? 'a00';
}

/**
 * An 18-character id for the n-th record the emulator creates: key prefix, pod `EM`, a
 * reserved `0`, then n in base 62 over 9 characters.
 */
export function generatedId(objectName: string, n: number): string {
  let counter = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    counter = BASE62[rest % 62]! + counter;
    rest = Math.floor(rest / 62);
  }
  return toId18(`${keyPrefix(objectName)}EM0${counter}`);
}
