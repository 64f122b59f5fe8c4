import { STATUS_CODES } from "node:http";

const statusLines: string[] = [];

/** `HTTP/1.1 200 OK\r\n`, built once per status code (llhttp only passes three-digit codes). */
export function statusLine(status: number): string {
  let line = statusLines[status];
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "unknown"}\r\n`;
    statusLines[status] = line;
  }
  return line;
}

let dateSecond = -1;
let dateLine = "";

/**
 * `date: <IMF-fixdate>\r\n` for answers that carry no Date (the proxy's own, and backends that send
 * none: RFC 9110 §6.6.1 has a forwarding recipient with a clock add it). Formatted at most once a
 * second, from the caller's coarse clock.
 */
export function dateHeader(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `date: ${new Date(second * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

/** `connection: keep-alive` plus the idle timeout as a hint (clients close first, no reuse race). */
export function keepAliveHeader(idleTimeoutMs: number): string {
  const seconds = Math.floor(idleTimeoutMs / 1000);
  return seconds > 0 ? `connection: keep-alive\r\nkeep-alive: timeout=${seconds}\r\n` : "connection: keep-alive\r\n";
}

export const CONNECTION_CLOSE = "connection: close\r\n";
export const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
