"use client";

import { createContext, useContext } from "react";

import type { ServiceScopeCatalogEntry } from "@/lib/db/queries/services";

// The org's services and their scopes, provided once by the org layout, for the token forms'
// scope tree (they open from several pages).
const ServiceCatalogContext = createContext<readonly ServiceScopeCatalogEntry[]>([]);

export function ServiceCatalogProvider({ catalog, children }: { catalog: readonly ServiceScopeCatalogEntry[]; children: React.ReactNode }) {
  return <ServiceCatalogContext.Provider value={catalog}>{children}</ServiceCatalogContext.Provider>;
}

export const useServiceCatalog = () => useContext(ServiceCatalogContext);
