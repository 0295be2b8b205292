import type { Json } from '../../src/integration/contract/index.js';

/** Integers longer than this many digits may exceed 2^53 (9007199254740992 has 16). */
const SAFE_DIGITS = 15;

/**
 * JSON.parse that keeps every integer too long to be exact as a JS number as its decimal
 * string. Shopify's REST-shaped webhook bodies carry 64-bit ids as bare JSON integers;
 * plain JSON.parse silently rounds them. Only tokens outside strings are touched.
 */
export function parseJsonExact(text: string): Json {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if ((c >= '0' && c <= '9') || c === '-') {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end])) end++;
      const token = text.slice(i, end);
      if (/^-?\d+$/.test(token) && token.replace('-', '').length > SAFE_DIGITS) {
        out += `${text.slice(from, i)}"${token}"`;
        from = end;
      }
      i = end - 1;
    }
  }
  return JSON.parse(out + text.slice(from)) as Json;
}
