import type { Json } from '../../src/integration/contract/index.js';

/** Integers longer than this many digits may exceed 2^53 (9007199254740992 has 16). */
const SAFE_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

/**
 * JSON.parse that keeps every integer too long to be exact as a JS number as its decimal
 * string. Shopify's REST-shaped webhook bodies carry 64-bit ids as bare JSON integers;
 * plain JSON.parse silently rounds them. Only tokens outside strings are touched.
 *
 * One pass over character codes (strings are skipped with indexOf), then the native
 * parser: this runs on every webhook before it is acknowledged.
 */
export function parseJsonExact(text: string): Json {
  let out = '';
  let from = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      continue;
    }
    if ((c >= ZERO && c <= NINE) || c === MINUS) {
      let end = i + 1;
      let integer = true;
      for (; end < length; end++) {
        const d = text.charCodeAt(end);
        if (d >= ZERO && d <= NINE) continue;
        if (d === DOT || d === UPPER_E || d === LOWER_E || d === PLUS || d === MINUS) integer = false;
        else break;
      }
      const digits = end - i - (c === MINUS ? 1 : 0);
      if (integer && digits > SAFE_DIGITS) {
        out += `${text.slice(from, i)}"${text.slice(i, end)}"`;
        from = end;
      }
      i = end - 1;
    }
  }
  return JSON.parse(from === 0 ? text : out + text.slice(from)) as Json;
}

/** The index of the quote that closes the string opened at `open` (the text's end if none: JSON.parse then reports it). */
function closingQuote(text: string, open: number): number {
  for (let from = open + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}
