import { stringify } from "yaml";

export type Format = "table" | "json" | "yaml";

export function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === "table" || value === "json" || value === "yaml") return value ?? "table";
  throw new Error(`-o must be json, yaml or table, not ${value}`);
}

export function print(value: unknown, format: Format, table: () => string[][]): void {
  if (format === "json") process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (format === "yaml") process.stdout.write(stringify(value));
  else process.stdout.write(renderTable(table()));
}

/** Left-aligned columns, the first row a header. */
export function renderTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
