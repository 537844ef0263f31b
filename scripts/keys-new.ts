// `npm run keys:new`: fresh secrets for a production deployment (NODE_ENV=production requires
// them to be set explicitly), printed as environment lines. Nothing is stored.
import { randomBytes } from "node:crypto";

import { generateKeySpec } from "../lib/tokens/encryption";

console.log(`AUTH_SECRET=${randomBytes(32).toString("base64url")}`);
console.log(`TOKEN_ENCRYPTION_KEYS=${generateKeySpec(1)}`);
