// Text a database keeps exactly as sent. JavaScript strings can hold lone UTF-16 surrogates (a
// JSON "\ud800" escape makes one), which SQLite and the PostgreSQL driver silently turn into
// replacement characters, and NUL, which PostgreSQL refuses outright (a failed statement, a 500).
// Input with either is refused where it comes in; text we shorten is cut between characters,
// never inside a surrogate pair.

export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes("\u0000");
}

/** Every string and key in `value` is storable. Iterative (any depth is safe); a shared or cyclic container is checked once. */
export function isStorableDeep(value: unknown): boolean {
  if (value === null || typeof value !== "object") return typeof value !== "string" || isStorableText(value);
  const checked = new Set<object>();
  const pending: object[] = [value];
  while (pending.length > 0) {
    const container = pending.pop()!;
    if (checked.has(container)) continue;
    checked.add(container);
    if (Array.isArray(container)) {
      for (const inner of container) if (!storableOrQueued(inner, pending)) return false;
    } else {
      for (const [key, inner] of Object.entries(container)) if (!isStorableText(key) || !storableOrQueued(inner, pending)) return false;
    }
  }
  return true;
}

/** A string is checked now, a container later (pushed onto `pending`). */
function storableOrQueued(value: unknown, pending: object[]): boolean {
  if (typeof value === "string") return isStorableText(value);
  if (value !== null && typeof value === "object") pending.push(value);
  return true;
}

/** The fields of a form or body whose name or value is not storable text (named so they can be shown). */
export function unstorableFields(input: Record<string, unknown>): string[] {
  return Object.entries(input)
    .filter(([key, value]) => !isStorableText(key) || !isStorableDeep(value))
    .map(([key]) => shownFieldName(key));
}

/** A caller's field name made safe to send back in an error (it may hold NUL or a lone surrogate). */
export function shownFieldName(key: string): string {
  return key.toWellFormed().replaceAll("\u0000", "\uFFFD");
}

export const UNSTORABLE_MESSAGE = "Contains characters that are not valid text.";

/** At most `max` UTF-16 units, without splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
