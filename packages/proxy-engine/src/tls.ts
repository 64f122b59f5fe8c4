import { createSecureContext, type SecureContext } from "node:tls";
import type { Certificate } from "@weir/config";

/**
 * Certificates by server name, for SNI: exact names first, then the longest wildcard suffix, then
 * the first certificate (clients without SNI, unknown names). Built once per config; the listener's
 * SNICallback reads whichever table is current, so certificates change without a rebind.
 */
export class SniTable {
  private readonly exact = new Map<string, SecureContext>();
  private readonly wildcards: Array<{ suffix: string; context: SecureContext }> = [];
  readonly fallback: SecureContext;
  readonly defaultCert: { cert: string; key: string };

  constructor(certificates: readonly Certificate[]) {
    const first = certificates[0];
    if (first === undefined) throw new Error("tls.certificates must not be empty");
    this.defaultCert = { cert: first.certPem, key: first.keyPem };
    let fallback: SecureContext | undefined;
    for (const c of certificates) {
      const context = createSecureContext({ cert: c.certPem, key: c.keyPem });
      fallback ??= context;
      for (const host of c.hosts) {
        const lower = host.toLowerCase();
        if (lower.startsWith("*.")) this.wildcards.push({ suffix: lower.slice(1), context });
        else if (!this.exact.has(lower)) this.exact.set(lower, context);
      }
    }
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
    this.fallback = fallback as SecureContext;
  }

  lookup(servername: string): SecureContext {
    const name = servername.toLowerCase();
    const exact = this.exact.get(name);
    if (exact !== undefined) return exact;
    for (const w of this.wildcards) if (name.length > w.suffix.length && name.endsWith(w.suffix)) return w.context;
    return this.fallback;
  }
}
