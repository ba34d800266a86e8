/**
 * The pluggable extension interface (RFC 6455 §9). Negotiation (factories) is kept apart from the
 * per-connection transform (`Extension`), as websockets and faye do. Everything is synchronous.
 */

/** One extension parameter: a name and a token or unquoted string value, or `null` for none. */
export type ExtensionParam = readonly [name: string, value: string | null];

/** One element of a `Sec-WebSocket-Extensions` list: an extension name and its parameters in order. */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: readonly ExtensionParam[];
}

/** What `Extension.encode` returns for one outgoing data frame. */
export interface EncodedFragment {
  readonly data: Uint8Array;
  /** RSV bits to set; read only for the first frame of a message. */
  readonly rsv: number;
}

/** A negotiated extension, one instance per connection, transforming data messages both ways. */
export interface Extension {
  readonly name: string;
  /** The RSV bits this extension owns, as they sit in the first header byte (RSV1 = 0x40). */
  readonly rsvBits: number;
  /**
   * Decode a slice of an incoming message whose first frame carried `rsv` (already masked to
   * {@link rsvBits}, never 0). Slices arrive in order and may split frames anywhere; `end` marks
   * the message's last slice. `limit` is how many output bytes the rest of the message may
   * still produce. The returned arrays become the connection's, which may hand them to the
   * application as they are (a whole message that comes out in one array, and every piece in
   * streaming mode): return arrays the extension will not write to again.
   * @throws {RemoteProtocolError} `MESSAGE_TOO_BIG` as soon as the output passes `limit`,
   *   `INVALID_COMPRESSED_DATA` on undecodable input.
   */
  decode(data: Uint8Array, rsv: number, end: boolean, limit: number): readonly Uint8Array[];
  /**
   * Encode one outgoing data fragment. `first` marks the first fragment of a message and `fin`
   * its last. The extension decides at the first fragment whether it transforms the message and
   * says so through the returned `rsv`.
   */
  encode(data: Uint8Array, first: boolean, fin: boolean): EncodedFragment;
  /** Release memory (compressor windows). The connection calls it once when it closes. */
  dispose(): void;
}

/** The client side of an extension's negotiation. */
export interface ClientExtensionFactory {
  readonly name: string;
  /** Offers for the request, in preference order; several offers give the server fallbacks. */
  offers(): readonly ExtensionOffer[];
  /**
   * Build the extension from the server's response element.
   * @throws {HandshakeError} `EXTENSION_NOT_ACCEPTED` when the response cannot be honoured or
   *   was not offered; the client then fails the connection with 1010.
   */
  accept(response: ExtensionOffer): Extension;
}

/** The server side of an extension's negotiation. */
export interface ServerExtensionFactory {
  readonly name: string;
  /**
   * Pick the first acceptable offer among `offers` (the client's offers for this extension, in
   * the client's order); decline invalid ones and try the next. `null` declines them all.
   */
  negotiate(offers: readonly ExtensionOffer[]): { readonly response: ExtensionOffer; readonly extension: Extension } | null;
}
