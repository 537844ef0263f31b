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

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const formData = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(formData));
  }

  return { state, pending, onSubmit };
}
