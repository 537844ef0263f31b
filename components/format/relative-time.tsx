// Importable from server and client components alike: the formatter is plain, the label a client component.
export { formatRelative, formatExactUtc } from "./format-relative";
export { RelativeTime, RenderedAtProvider } from "./relative-time-label";
