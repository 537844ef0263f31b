import type { ApiStore } from "@/lib/api/store";

// Faults injected into the API's store: a test replaces the methods it needs to fail (a charge that
// always misses, a read that throws) and keeps the real database behind every other call.

/** `inner` with `overrides` in place of its methods of the same names; everything else is `inner`'s own. */
export function storeWith(inner: ApiStore, overrides: Partial<ApiStore>): ApiStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof ApiStore];
      const value = Reflect.get(target, property, receiver);
      // Called on the real store: a class's methods may use its private fields.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
