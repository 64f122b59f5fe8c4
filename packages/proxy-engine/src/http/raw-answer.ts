import type { Socket } from "node:net";
import { type EngineErrorCode, errorAnswers } from "../errors";
import { statusLine } from "./response-head";

/**
 * An error answer written straight to a socket, for the moments there is no exchange to answer
 * through: parse errors (400, 431), request timeouts (408), refused upgrades. Always ends the
 * connection (our side; the caller lingers for the client's close): after a framing error nothing
 * else on it can be trusted.
 */
export function writeRawAnswer(socket: Socket, code: EngineErrorCode): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const a = errorAnswers[code];
  socket.end(
    `${statusLine(a.status)}content-type: text/plain; charset=utf-8\r\ncontent-length: ${a.contentLength}\r\nx-weir-error: ${code}\r\nconnection: close\r\n\r\n${a.text}`,
    "latin1",
  );
}
