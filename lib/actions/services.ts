"use server";

import { actionActor, orgAction, type ActionState } from "@/lib/auth/action";
import {
  createService,
  deleteService,
  isServiceConflict,
  isServiceInputError,
  rotateServiceKey,
  setServiceEnabled,
  updateService,
} from "@/lib/db/service-mutations";
import { createServiceSchema, serviceIdSchema, updateServiceSchema } from "@/lib/validations/service";

import { refreshOrgPages } from "./refusals";

// The org's own APIs (services): every action needs services:manage (admins), declared here and
// re-checked inside the change's transaction (lib/db/service-mutations.ts).

/** The one-time display of a new or rotated verification key; the only state that holds it. */
export type NewServiceKey = { serviceId: string; slug: string; name: string; key: string };

const SERVICE_NOT_FOUND: ActionState<never> = { ok: false, code: "NOT_FOUND", message: "This service does not exist." };

async function guardedService<T>(run: () => Promise<ActionState<T>>): Promise<ActionState<T>> {
  try {
    return await run();
  } catch (error) {
    if (isServiceInputError(error)) {
      return { ok: false, code: "INVALID", errors: { [error.field]: [error.message] }, message: "Please correct the highlighted fields." };
    }
    if (isServiceConflict(error)) return { ok: false, code: "CONFLICT", message: error.message };
    throw error;
  }
}

export const createServiceAction = orgAction("services:manage", createServiceSchema, (input, ctx) =>
  guardedService(async (): Promise<ActionState<NewServiceKey>> => {
    const { service, key } = await createService(actionActor(ctx), ctx.org.id, input);
    refreshOrgPages(ctx);
    return {
      ok: true,
      message: `Registered “${service.name}”.`,
      data: { serviceId: service.id, slug: service.slug, name: service.name, key },
    };
  }),
);

export const updateServiceAction = orgAction("services:manage", updateServiceSchema, (input, ctx) =>
  guardedService(async () => {
    const { serviceId, expectedVersion, ...definition } = input;
    const service = await updateService(actionActor(ctx), ctx.org.id, serviceId, definition, { expectedVersion });
    if (!service) return SERVICE_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `Saved “${service.name}”.` };
  }),
);

export const rotateServiceKeyAction = orgAction(
  "services:manage",
  serviceIdSchema,
  async (input, ctx): Promise<ActionState<NewServiceKey>> => {
    const rotated = await rotateServiceKey(actionActor(ctx), ctx.org.id, input.serviceId);
    if (!rotated) return SERVICE_NOT_FOUND;
    refreshOrgPages(ctx);
    const { service, key } = rotated;
    return {
      ok: true,
      message: `Rotated the key of “${service.name}”. The old key no longer works.`,
      data: { serviceId: service.id, slug: service.slug, name: service.name, key },
    };
  },
);

export const disableServiceAction = orgAction("services:manage", serviceIdSchema, async (input, ctx): Promise<ActionState> => {
  const service = await setServiceEnabled(actionActor(ctx), ctx.org.id, input.serviceId, false);
  if (!service) return SERVICE_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: `Disabled “${service.name}”: every call to it is refused.` };
});

export const enableServiceAction = orgAction("services:manage", serviceIdSchema, async (input, ctx): Promise<ActionState> => {
  const service = await setServiceEnabled(actionActor(ctx), ctx.org.id, input.serviceId, true);
  if (!service) return SERVICE_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: `Enabled “${service.name}”.` };
});

export const deleteServiceAction = orgAction("services:manage", serviceIdSchema, async (input, ctx): Promise<ActionState> => {
  const deleted = await deleteService(actionActor(ctx), ctx.org.id, input.serviceId);
  if (!deleted) return SERVICE_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: "Deleted the service. Tokens no longer hold its scopes." };
});
