"use client";

import { startTransition, useActionState, useEffect, useRef, type FormEvent } from "react";

import type { ActionState } from "@/lib/auth/action";

type FormAction<T> = (prev: ActionState<T> | undefined, input: FormData) => Promise<ActionState<T>>;

/**
 * useActionState for forms that must keep what the user typed when the server answers with field
 * errors: submitted through onSubmit (React resets a form after an `action` prop completes).
 * A failure to reach the server becomes a message instead of an error page.
 */
export function useFormAction<T>(action: FormAction<T>, onSuccess?: (state: ActionState<T>) => void) {
  const onSuccessRef = useRef(onSuccess);
  useEffect(() => {
    onSuccessRef.current = onSuccess;
  });
  const [state, dispatch, pending] = useActionState(async (prev: ActionState<T> | undefined, formData: FormData) => {
    let result: ActionState<T>;
    try {
      result = await action(prev, formData);
    } catch {
      return { ok: false, message: "Something went wrong. Check your connection and try again." } satisfies ActionState<T>;
    }
    if (result.ok) onSuccessRef.current?.(result);
    return result;
  }, undefined);

  // A refused submit moves focus to the first field in error, so keyboard and screen-reader users land on what to fix.
  const formRef = useRef<HTMLFormElement | null>(null);
  useEffect(() => {
    if (!state || state.ok || !state.errors) return;
    // A group in error (a fieldset of checkboxes) names its error region instead of being aria-invalid.
    const first = formRef.current?.querySelector<HTMLElement>('[aria-invalid=true], fieldset[aria-describedby$="-error"]');
    (first?.tagName === "FIELDSET" ? first.querySelector<HTMLElement>("input:not([disabled])") : first)?.focus();
  }, [state]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    formRef.current = event.currentTarget;
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const formData = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(formData));
  }

  return { state, pending, onSubmit };
}
