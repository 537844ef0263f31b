export * from "./format";
export * from "./encryption";
export * from "./scopes";
export * from "./quota";
