// Quota windows are a product rule: they live in the domain core (lib/domain/tokens/quota.ts).
export * from "../domain/tokens/quota";
