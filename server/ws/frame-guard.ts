/**
 * A linear scan of a JSON text's nesting depth, brackets inside strings excluded. It lets the
 * gateway refuse a deeply nested frame before JSON.parse builds it (a 3.8 MB frame of nested
 * arrays held the loop for half a second and took RSS to 905 MB).
 */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
