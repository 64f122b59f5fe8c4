"use client";

import { useMutation } from "@tanstack/react-query";
import { algorithmNames } from "@weir/config";
import { createListenerInputSchema, createPoolInputSchema } from "@weir/config/api";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { FormFooter, useCreateSubmit } from "./form-footer";

/**
 * New pool: a name, an algorithm and, optionally, a port on which the agents open a listener
 * whose every request goes to this pool (the usual first step; routes by host or path can be
 * added later through the API). Validated with the API's own schemas before anything is sent.
 */
export function CreatePool() {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [algorithm, setAlgorithm] = useState<string>("weighted_round_robin");
  const [port, setPort] = useState("");
  const createPool = useMutation(trpc.pools.create.mutationOptions());
  const createListener = useMutation(trpc.listeners.create.mutationOptions());

  const poolInput = { name, algorithm };
  const poolCheck = createPoolInputSchema.safeParse(poolInput);
  const listenerCheck =
    port === "" ? undefined : createListenerInputSchema.safeParse({ name: `${name}-http`, port: Number(port) });
  const fieldError = (field: string) =>
    (field === "port" ? listenerCheck : poolCheck)?.error?.issues.find((i) => i.path[0] === field)?.message;

  const { submit, error } = useCreateSubmit(poolCheck.success && (listenerCheck?.success ?? true), async () => {
    const pool = await createPool.mutateAsync(poolCheck.data as never);
    if (port !== "")
      await createListener.mutateAsync({ name: `${name}-http`, port: Number(port), defaultPoolId: pool.item.id });
    return `/pools/${pool.item.name}`;
  });

  if (!open)
    return (
      <button type="button" className="primary" onClick={() => setOpen(true)}>
        New pool
      </button>
    );
  const touched = name !== "";
  return (
    <form className="panel inline-form" aria-label="New pool" onSubmit={submit}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="checkout" required />
        {touched && fieldError("name") && <span className="error small">{fieldError("name")}</span>}
      </label>
      <label>
        Algorithm
        <select value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
          {algorithmNames.map((a) => (
            <option key={a} value={a}>
              {a.replaceAll("_", " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Listener port (optional)
        <input type="number" value={port} onChange={(e) => setPort(e.target.value)} placeholder="8081" />
        {fieldError("port") && <span className="error small">{fieldError("port")}</span>}
      </label>
      <FormFooter
        submitLabel="Create pool"
        disabled={createPool.isPending || createListener.isPending}
        onCancel={() => setOpen(false)}
        problems={[]}
        error={error}
      />
    </form>
  );
}
