import type { InputHTMLAttributes, ReactNode } from "react";

import type { ActionState } from "@/lib/auth/action";

/** A labelled input with its field errors, announced to screen readers. */
export function Field({
  label,
  name,
  errors,
  hint,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: ReactNode; name: string; errors?: string[]; hint?: ReactNode }) {
  const errorId = `${name}-error`;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={props.id ?? name} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={props.id ?? name}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? errorId : undefined}
        className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 aria-invalid:border-red-500"
        {...props}
      />
      {hint && <p className="text-xs text-slate-500">{hint}</p>}
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

export function FieldErrors({ id, errors }: { id?: string; errors?: string[] }) {
  return (
    <div id={id} aria-live="polite" className="text-xs text-red-600">
      {errors?.map((e) => (
        <p key={e}>{e}</p>
      ))}
    </div>
  );
}

export function FormMessage({ message, ok }: { message?: string; ok?: boolean }) {
  return (
    <div aria-live="polite" role={message && !ok ? "alert" : undefined} className={`text-sm ${ok ? "text-green-700" : "text-red-600"}`}>
      {message}
    </div>
  );
}

/** An action's refusal, announced; its success message is for the page the form returns to, so nothing shows here. */
export function FormError({ state }: { state: Pick<ActionState<unknown>, "ok" | "message"> | undefined }) {
  return <FormMessage message={state?.ok ? undefined : state?.message} />;
}
