// Enum values are identical in both generated clients.
export { Role, TokenStatus, TokenVisibility, QuotaWindow } from "./generated/sqlite/enums";
