"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { refetchAfterChange } from "@/lib/refresh";
import { useTRPC } from "@/lib/trpc";

/**
 * The demo's traffic generator, when one runs (`npm start`): its rate, and a control to change it,
 * so anyone can push the demo pool into scaling and watch it. Hidden when there is no generator.
 */
export function DemoTraffic(props: { canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const traffic = useQuery({ ...trpc.demo.traffic.queryOptions({}, { refetchInterval: 5000 }), retry: false });
  const [rate, setRate] = useState("");
  const set = useMutation(
    trpc.demo.setTraffic.mutationOptions({
      onSuccess: () => {
        setRate("");
        void refetchAfterChange(queryClient, { queryKey: trpc.demo.traffic.queryKey() });
      },
    }),
  );
  if (!traffic.data) return null;
  return (
    <div className="card">
      <div className="muted small">Demo traffic</div>
      <div className="big" data-testid="demo-rate">
        {traffic.data.rate} req/s
      </div>
      {props.canEdit && (
        <form
          className="inline-form"
          aria-label="Demo traffic rate"
          onSubmit={(e) => {
            e.preventDefault();
            if (rate !== "") set.mutate({ rate: Number(rate) });
          }}
        >
          <label>
            New rate
            <input
              type="number"
              min={0}
              max={100000}
              className="weight"
              value={rate}
              onChange={(e) => setRate(e.target.value)}
            />
          </label>
          <button type="submit" className="small-button" disabled={rate === "" || set.isPending}>
            Set
          </button>
          {set.isError && <span className="error small">{set.error.message}</span>}
        </form>
      )}
    </div>
  );
}
