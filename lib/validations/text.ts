// Text a database keeps exactly as sent. JavaScript strings can hold lone UTF-16 surrogates (a
// JSON "\ud800" escape makes one), which SQLite and the PostgreSQL driver silently turn into
// replacement characters, and NUL, which PostgreSQL refuses outright (a failed statement, a 500).
// Input with either is refused where it comes in; text we shorten is cut between characters,
// never inside a surrogate pair.

export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

export function isStorableDeep(value: unknown): boolean {
  if (typeof value === "string") return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableDeep);
  if (value && typeof value === "object") return Object.entries(value).every(([key, inner]) => isStorableText(key) && isStorableDeep(inner));
  return true;
}

/** The fields of a form or body whose name or value is not storable text (named so they can be shown). */
export function unstorableFields(input: Record<string, unknown>): string[] {
  return Object.entries(input)
    .filter(([key, value]) => !isStorableText(key) || !isStorableDeep(value))
    .map(([key]) => key.toWellFormed().replaceAll("\u0000", "\uFFFD"));
}

export const UNSTORABLE_MESSAGE = "Contains characters that are not valid text.";

/** At most `max` UTF-16 units, without splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
