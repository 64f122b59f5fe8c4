import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { type EngineErrorCode, errorAnswers } from "../errors";

/**
 * An error answer written straight to a socket, for the moments Node gives the proxy no response
 * object: parse errors (400, 431), refused upgrades. Always closes the connection: after a framing
 * error nothing else on it can be trusted.
 */
export function writeRawAnswer(socket: Socket, code: EngineErrorCode): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const a = errorAnswers[code];
  socket.end(
    `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ""}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${a.contentLength}\r\nx-weir-error: ${code}\r\nconnection: close\r\n\r\n${a.body.toString("latin1")}`,
  );
}
