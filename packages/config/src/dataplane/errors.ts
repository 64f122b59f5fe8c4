/**
 * Error codes of the data-plane schema. Stable strings: compare `code`, never messages or
 * `instanceof` (the agent and the control plane may load different copies of this package).
 */
export const configErrorCodes = {
  /** The engine config failed validation; `issues` lists every problem as `path: message`. */
  WEIR_E_INVALID_CONFIG: 400,
} as const satisfies Record<string, number>;

export type ConfigErrorCode = keyof typeof configErrorCodes;

export class WeirConfigError extends Error {
  readonly code: ConfigErrorCode;
  /** Every problem found, each `field.path: what is wrong`, in document order. */
  readonly issues: readonly string[];

  constructor(code: ConfigErrorCode, issues: readonly string[]) {
    super(`${code}: invalid engine config:\n  - ${issues.join("\n  - ")}`);
    this.name = "WeirConfigError";
    this.code = code;
    this.issues = issues;
  }
}
