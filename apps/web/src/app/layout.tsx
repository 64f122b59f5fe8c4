import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ApiProvider } from "@/lib/trpc";
import "./globals.css";

export const metadata: Metadata = {
  title: "Weir",
  description: "Load-balancer control plane",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <span className="brand">Weir</span>
          <nav>
            <a href="/">Pools</a>
          </nav>
        </header>
        <main className="content">
          <ApiProvider>{children}</ApiProvider>
        </main>
      </body>
    </html>
  );
}
