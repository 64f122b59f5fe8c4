/**
 * Stable error codes of @weir/db. Compare `error.code`, not `instanceof`, across packages.
 * Each code is documented in docs/errors.md (a test checks that).
 */
export const DB_ERRORS = {
  WEIR_E_DB_START_FAILED: "The embedded Postgres server could not start.",
  WEIR_E_DB_PORT_IN_USE: "The embedded Postgres port is taken by another process.",
  WEIR_E_DB_DATA_DIR_IN_USE: "Another running control plane owns the embedded Postgres of this data directory.",
  WEIR_E_DB_UNREACHABLE: "The database does not answer.",
  WEIR_E_MIGRATION_FAILED: "A migration could not be applied.",
  WEIR_E_MIGRATION_DRIFT: "schema.prisma and the migrations disagree.",
} as const;

export type DbErrorCode = keyof typeof DB_ERRORS;

export class DbError extends Error {
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DbError";
    this.code = code;
  }
}
