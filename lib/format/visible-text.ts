// Text that people typed (token names, user agents, labels) shown where a reader must trust
// what they see, such as the audit log: characters that are invisible or reorder the text
// (control characters, bidirectional overrides, zero-width joiners, line separators, lone
// surrogates) are shown as \u escapes, so "‮exe.gnp" cannot pass for "png.exe".

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;
const INVISIBLE_OR_BACKSLASH = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\\]/gu;

function escapeOne(char: string): string {
  // Backslashes are doubled, so a typed "\u202E" cannot read like an escaped character.
  if (char === "\\") return "\\\\";
  const code = char.codePointAt(0)!;
  const hex = code.toString(16).toUpperCase();
  return code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`;
}

export function showInvisible(text: string): string {
  return text.replace(INVISIBLE_OR_BACKSLASH, escapeOne);
}

export function hasInvisible(text: string): boolean {
  return INVISIBLE.test(text);
}

/** showInvisible on every string inside a JSON-like value (audit metadata). */
export function showInvisibleDeep<T>(value: T): T {
  if (typeof value === "string") return showInvisible(value) as T;
  if (Array.isArray(value)) return value.map(showInvisibleDeep) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [showInvisible(key), showInvisibleDeep(inner)])) as T;
  }
  return value;
}
