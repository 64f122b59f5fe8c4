"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect, useState } from "react";
import { LiveProvider } from "@/lib/live";
import { useTRPC } from "@/lib/trpc";

type Theme = "system" | "light" | "dark";
const THEME_KEY = "weir-theme";

/** Light, dark, or the system's choice; kept per browser. The layout's inline script applies it before paint. */
function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>("system");
  useEffect(() => {
    setTheme((localStorage.getItem(THEME_KEY) as Theme | null) ?? "system");
  }, []);
  const next: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
  const choose = () => {
    const value = next[theme];
    setTheme(value);
    if (value === "system") {
      localStorage.removeItem(THEME_KEY);
      delete document.documentElement.dataset.theme;
    } else {
      localStorage.setItem(THEME_KEY, value);
      document.documentElement.dataset.theme = value;
    }
  };
  return (
    <button type="button" className="link" onClick={choose} aria-label={`Theme: ${theme}. Switch to ${next[theme]}`}>
      {theme === "dark" ? "☾ dark" : theme === "light" ? "☀ light" : "◐ auto"}
    </button>
  );
}

/**
 * The frame of every page: top bar with navigation and the signed-in user. Pages other than
 * /login need a session; without one the shell sends the browser to /login and back afterwards.
 */
export function Shell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isLogin = pathname === "/login";
  const me = useQuery({ ...trpc.auth.me.queryOptions(), enabled: !isLogin, retry: false });
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: () => {
        queryClient.clear();
        router.replace("/login");
      },
    }),
  );
  const unauthenticated = me.error?.data?.code === "UNAUTHORIZED";

  useEffect(() => {
    if (!isLogin && unauthenticated) router.replace(`/login?next=${encodeURIComponent(pathname)}`);
  }, [isLogin, unauthenticated, pathname, router]);

  if (isLogin) return <main className="content narrow">{children}</main>;

  return (
    <>
      <header className="topbar">
        <span className="brand">Weir</span>
        <nav aria-label="Main">
          <Link href="/">Pools</Link>
          <Link href="/rollouts">Rollouts</Link>
          <Link href="/agents">Agents</Link>
          <Link href="/history">History</Link>
          <Link href="/settings">Settings</Link>
        </nav>
        <span className="spacer" />
        <ThemeToggle />
        {me.data && (
          <span className="user" data-testid="current-user">
            {me.data.user.email} <span className="badge">{me.data.user.role}</span>
            <button type="button" className="link" onClick={() => signOut.mutate()}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <main className="content">
        {me.isPending && <p className="muted">Loading…</p>}
        {me.isError && !unauthenticated && (
          <p role="alert" className="error">
            Cannot reach the control plane: {me.error.message}
          </p>
        )}
        {me.data && <LiveProvider>{children}</LiveProvider>}
      </main>
    </>
  );
}
