"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { refetchAfterChange } from "@/lib/refresh";
import { useSession } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";

type Role = "viewer" | "operator" | "admin";
const ROLES: Role[] = ["viewer", "operator", "admin"];

export default function SettingsPage() {
  const { isAdmin } = useSession();
  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <ApiTokens />
      {isAdmin && <EnrollmentTokens />}
      {isAdmin && <Users />}
    </section>
  );
}

/** A secret shown once, with what to do with it. */
function Secret({ title, token, hint }: { title: string; token: string; hint?: string }) {
  return (
    <div className="panel secret" role="status">
      <strong>{title}</strong>
      <p className="small muted">Copy it now: it is shown only once and stored only as a hash.</p>
      <pre>
        <code>{hint ?? token}</code>
      </pre>
    </div>
  );
}

function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { user } = useSession();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => refetchAfterChange(queryClient, { queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result.token);
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => void refresh() }));
  const allowed = ROLES.slice(0, ROLES.indexOf((user?.role as Role | undefined) ?? "viewer") + 1);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, role, expiresInDays: 90 });
  };
  return (
    <section aria-labelledby="tokens-heading" className="settings-section">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted small">
        For scripts and weirctl: send as <code>Authorization: Bearer …</code>. A token's role is at most yours.
      </p>
      {created && <Secret title="New API token" token={created} />}
      <form className="inline-form" onSubmit={submit} aria-label="Create API token">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {allowed.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
        {create.isError && <span className="error">{create.error.message}</span>}
      </form>
      <table className="table" aria-label="API tokens">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Role</th>
            <th scope="col">Owner</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>{token.role}</td>
              <td className="muted">{token.userEmail}</td>
              <td className="muted small">
                {token.lastUsedAt ? new Date(token.lastUsedAt).toLocaleString() : "never"}
              </td>
              <td className="muted small">
                {token.revokedAt
                  ? "revoked"
                  : token.expiresAt
                    ? new Date(token.expiresAt).toLocaleDateString()
                    : "never"}
              </td>
              <td>
                {!token.revokedAt && (
                  <button
                    type="button"
                    className="small-button danger"
                    onClick={() =>
                      window.confirm(`Revoke ${token.name}? Scripts using it stop working at once.`) &&
                      revoke.mutate({ id: token.id })
                    }
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function EnrollmentTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.enrollmentTokens.list.queryOptions());
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const refresh = () => refetchAfterChange(queryClient, { queryKey: trpc.enrollmentTokens.list.queryKey() });
  const create = useMutation(
    trpc.enrollmentTokens.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result.token);
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.enrollmentTokens.revoke.mutationOptions({ onSuccess: () => void refresh() }));
  const origin = typeof window === "undefined" ? "http://localhost:3000" : window.location.origin;
  return (
    <section aria-labelledby="enrollment-heading" className="settings-section">
      <h2 id="enrollment-heading">Agent enrollment tokens</h2>
      <p className="muted small">Agents present one of these to join. Revoking it refuses new connections with it.</p>
      {created && (
        <Secret
          title="New enrollment token: start an agent with"
          token={created}
          hint={`weir-agent --control-plane ${origin} --token ${created} --name <agent name> --labels env=prod`}
        />
      )}
      <form
        className="inline-form"
        aria-label="Create enrollment token"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name });
        }}
      >
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create enrollment token
        </button>
      </form>
      <table className="table" aria-label="Enrollment tokens">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Token</th>
            <th scope="col">Agents</th>
            <th scope="col">Created by</th>
            <th scope="col">Status</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.map((token) => (
            <tr key={token.id}>
              <td>{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>{token.agents}</td>
              <td className="muted">{token.createdBy ?? "system"}</td>
              <td className="muted small">{token.revokedAt ? "revoked" : "active"}</td>
              <td>
                {!token.revokedAt && (
                  <button
                    type="button"
                    className="small-button danger"
                    onClick={() => window.confirm(`Revoke ${token.name}?`) && revoke.mutate({ id: token.id })}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Users() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => refetchAfterChange(queryClient, { queryKey: trpc.users.list.queryKey() });
  const update = useMutation(
    trpc.users.update.mutationOptions({
      onSuccess: () => {
        setNotice(null);
        void refresh();
      },
      onError: (error) => {
        setNotice(error.message);
        void refresh();
      },
    }),
  );
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: () => {
        setNotice("User added.");
        void refresh();
      },
      onError: (error) => setNotice(error.message),
    }),
  );
  const [draft, setDraft] = useState({ email: "", name: "", role: "viewer" as Role, password: "" });
  return (
    <section aria-labelledby="users-heading" className="settings-section">
      <h2 id="users-heading">Users</h2>
      {notice && <p role="status">{notice}</p>}
      <form
        className="inline-form"
        aria-label="Add user"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate(draft);
        }}
      >
        <label>
          Email
          <input
            type="email"
            value={draft.email}
            onChange={(e) => setDraft({ ...draft, email: e.target.value })}
            required
          />
        </label>
        <label>
          Name
          <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
        </label>
        <label>
          Role
          <select value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Role })}>
            {ROLES.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <label>
          Initial password
          <input
            type="password"
            minLength={12}
            value={draft.password}
            onChange={(e) => setDraft({ ...draft, password: e.target.value })}
            required
          />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Add user
        </button>
      </form>
      <table className="table" aria-label="Users">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((user) => (
            <tr key={user.id}>
              <td>{user.email}</td>
              <td>{user.name}</td>
              <td>
                <select
                  aria-label={`Role of ${user.email}`}
                  value={user.role}
                  onChange={(e) => update.mutate({ id: user.id, version: user.version, role: e.target.value as Role })}
                >
                  {ROLES.map((option) => (
                    <option key={option}>{option}</option>
                  ))}
                </select>
              </td>
              <td className="muted small">
                {user.lastLoginAt ? new Date(user.lastLoginAt).toLocaleString() : "never"}
              </td>
              <td>
                <button
                  type="button"
                  className="small-button"
                  onClick={() => update.mutate({ id: user.id, version: user.version, disabled: !user.disabled })}
                >
                  {user.disabled ? "Enable" : "Disable"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
