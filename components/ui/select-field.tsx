import type { ReactNode, SelectHTMLAttributes } from "react";

import { FieldErrors } from "./field";

/** A labelled <select> with its field errors, like Field for inputs. */
export function SelectField({
  label,
  name,
  errors,
  options,
  className = "",
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & {
  label: ReactNode;
  /** Omit to keep the select out of the submitted form (e.g. when another input carries the value). */
  name?: string;
  errors?: string[];
  options: readonly { value: string; label: string }[];
}) {
  const id = props.id ?? name ?? "select";
  const errorId = `${id}-error`;
  return (
    <div className={`flex flex-col gap-1 ${className}`}>
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <select
        id={id}
        name={name}
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? errorId : undefined}
        className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 aria-invalid:border-red-500"
        {...props}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}
