/**
 * On Bun, whole compressed messages go through Bun's node:zlib (see `createZlibDeflate` in
 * @wsengine/session, which holds the codec and why): `permessageDeflate` here is core's with
 * `native: zlibDeflate`.
 */
import { kMaxLength } from "node:buffer";
import zlib from "node:zlib";
import type { ClientExtensionFactory, NativeDeflate, PerMessageDeflateOptions, ServerExtensionFactory } from "@wsengine/core";
import { createZlibDeflate, permessageDeflateWith } from "@wsengine/session";

/** Bun's node:zlib in core's `NativeDeflate` contract. */
export const zlibDeflate: NativeDeflate = createZlibDeflate(zlib, kMaxLength);

/**
 * Core's `permessageDeflate` with Bun's node:zlib as its native codec: every received message (but one
 * that arrives in more than 4 MiB of pieces), and sent whole messages without context takeover
 * or of at least `nativeThreshold` bytes (default 4 KiB); the rest go through fflate as in core.
 * Core's own factory (from `@wsengine/core`) uses fflate alone.
 * @example
 * const server = listen({ port: 8080, extensions: [permessageDeflate()], onConnection });
 */
export const permessageDeflate: (options?: PerMessageDeflateOptions) => ClientExtensionFactory & ServerExtensionFactory = permessageDeflateWith(zlibDeflate);
