"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import type { ZodError } from "zod";
import { refetchAfterChange } from "@/lib/refresh";

/**
 * The submit of a create form: nothing is sent while the schema refuses the input; `create` makes
 * the change and returns the page to open, the cache is refreshed, and the browser goes there; the
 * API's refusal is kept in `error` for the footer.
 */
export function useCreateSubmit(valid: boolean, create: () => Promise<string>) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    setError(null);
    try {
      const href = await create();
      await refetchAfterChange(queryClient);
      router.push(href);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return { submit, error };
}

/** Every issue of a failed schema check, as "field.path: message" lines for a form's footer. */
export function issuesOf(error: ZodError | undefined, what: string): string[] {
  return error === undefined ? [] : error.issues.map((i) => `${i.path.join(".") || what}: ${i.message}`);
}

/**
 * The end of a create form: submit (disabled until the shared schema accepts the input), cancel,
 * the schema's problems listed before anything is sent, and the API's answer when it refuses.
 */
export function FormFooter(props: {
  submitLabel: string;
  disabled: boolean;
  onCancel: () => void;
  problems: readonly string[];
  error: string | null;
}) {
  return (
    <>
      <button type="submit" className="primary" disabled={props.disabled}>
        {props.submitLabel}
      </button>
      <button type="button" className="small-button" onClick={props.onCancel}>
        Cancel
      </button>
      {props.problems.length > 0 && (
        <ul className="error small" aria-label="Problems">
          {props.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {props.error && (
        <span role="alert" className="error">
          {props.error}
        </span>
      )}
    </>
  );
}
