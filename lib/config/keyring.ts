import { parseKeyring, type TokenKeyring } from "../tokens/encryption";

let cached: { spec: string; keyring: TokenKeyring } | undefined;

/** The token-encryption keyring from TOKEN_ENCRYPTION_KEYS (set by the start script or the environment). */
export function getKeyring(): TokenKeyring {
  const spec = process.env.TOKEN_ENCRYPTION_KEYS ?? "";
  if (cached?.spec !== spec) cached = { spec, keyring: parseKeyring(spec) };
  return cached.keyring;
}
