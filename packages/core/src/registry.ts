/**
 * The IANA "WebSocket Protocol Registries" (RFC 6455 §11.4-§11.9) as typed data, for
 * documentation, logging and tests. Close codes live in close.ts and are re-exported here.
 */
import { Opcode } from "./frame/opcode.js";

export { CLOSE_CODE_REGISTRY, lookupCloseCode } from "./close.js";
export type { CloseCodeInfo } from "./close.js";

/** One row of the WebSocket Opcode Registry (RFC 6455 §11.8). */
export interface OpcodeInfo {
  readonly opcode: Opcode;
  readonly meaning: string;
  readonly reference: string;
}

/** The registered opcodes, in registry order. 3-7 and 11-15 are unassigned. */
export const OPCODE_REGISTRY: readonly OpcodeInfo[] = [
  { opcode: Opcode.Continuation, meaning: "Continuation Frame", reference: "RFC 6455" },
  { opcode: Opcode.Text, meaning: "Text Frame", reference: "RFC 6455" },
  { opcode: Opcode.Binary, meaning: "Binary Frame", reference: "RFC 6455" },
  { opcode: Opcode.Close, meaning: "Connection Close Frame", reference: "RFC 6455" },
  { opcode: Opcode.Ping, meaning: "Ping Frame", reference: "RFC 6455" },
  { opcode: Opcode.Pong, meaning: "Pong Frame", reference: "RFC 6455" },
];

const OPCODES_BY_VALUE: ReadonlyMap<number, OpcodeInfo> = new Map(OPCODE_REGISTRY.map((info) => [info.opcode, info]));

/** The registry row for `opcode`, or `undefined` for an unassigned one. */
export function lookupOpcode(opcode: number): OpcodeInfo | undefined {
  return OPCODES_BY_VALUE.get(opcode);
}

/**
 * Status of a version number (RFC 6455 §11.6): "Standard" versions are RFCs, "Interim" ones
 * Internet-Drafts; 9-12 are reserved and "were not and will not be used" (§4.1 item 9).
 */
export type VersionStatus = "Interim" | "Reserved" | "Standard";

/** One row of the WebSocket Version Number Registry (RFC 6455 §11.6). */
export interface VersionInfo {
  readonly version: number;
  readonly status: VersionStatus;
  /** The defining document, or `null` for a reserved number. */
  readonly reference: string | null;
}

/** Versions 0-13, in registry order. Only 13 is spoken by this engine. */
export const VERSION_REGISTRY: readonly VersionInfo[] = [
  ...Array.from({ length: 9 }, (_, version): VersionInfo => ({
    version,
    status: "Interim",
    reference: `draft-ietf-hybi-thewebsocketprotocol-0${version}`,
  })),
  ...[9, 10, 11, 12].map((version): VersionInfo => ({ version, status: "Reserved", reference: null })),
  { version: 13, status: "Standard", reference: "RFC 6455" },
];

/** The registry row for `version`, or `undefined` when unregistered. */
export function lookupVersion(version: number): VersionInfo | undefined {
  return VERSION_REGISTRY.find((info) => info.version === version);
}

/** One row of the WebSocket Extension Name Registry (RFC 6455 §11.4). */
export interface ExtensionInfo {
  /** The extension-token used in `Sec-WebSocket-Extensions`. */
  readonly name: string;
  readonly commonName: string;
  /** Extension names it is known to be incompatible with. */
  readonly incompatibleWith: readonly string[];
  readonly reference: string;
}

/** The registered extensions. */
export const EXTENSION_REGISTRY: readonly ExtensionInfo[] = [
  { name: "permessage-deflate", commonName: "WebSocket Per-Message Deflate", incompatibleWith: [], reference: "RFC 7692" },
];

/** The registry row for an extension name (exact case), or `undefined`. */
export function lookupExtension(name: string): ExtensionInfo | undefined {
  return EXTENSION_REGISTRY.find((info) => info.name === name);
}

/** One row of the WebSocket Subprotocol Name Registry (RFC 6455 §11.5). */
export interface SubprotocolInfo {
  /** The identifier used in `Sec-WebSocket-Protocol`. */
  readonly name: string;
  readonly commonName: string;
  /** Where the subprotocol is defined. */
  readonly definition: string;
  /** The registrant or defining RFC, as IANA lists it. */
  readonly reference: string;
}

/**
 * The registered subprotocols, in registry order, copied as IANA lists them (typos included).
 * Names are case-sensitive; RFC 7936 §2 refuses registrations differing only by case.
 * Widely used but unregistered names (`graphql-ws`, `wamp.2.json`...) are not listed.
 */
export const SUBPROTOCOL_REGISTRY: readonly SubprotocolInfo[] = [
  { name: "MBWS.huawei.com", commonName: "MBWS", definition: "http://www.ietf.org/id/draft-hapner-hybi-messagebroker-subprotocol-01.txt (page 9)", reference: "Mark_Hapner" },
  { name: "MBLWS.huawei.com", commonName: "MBLWS", definition: "http://www.ietf.org/id/draft-hapner-hybi-messagebroker-subprotocol-01.txt (page 9)", reference: "Mark_Hapner" },
  { name: "soap", commonName: "soap", definition: "http://go.microsoft.com/fwlink/?LinkID=231897&clcid=0x409", reference: "Paul_Batum" },
  { name: "wamp", commonName: 'WAMP ("The WebSocket Application Messaging Protocol")', definition: "http://wamp.ws/spec", reference: "Tobias_Oberstein" },
  { name: "v10.stomp", commonName: "Name: STOMP 1.0 specification", definition: "http://stomp.github.com/stomp-specification-1.0.html", reference: "Jeff_Mesnil" },
  { name: "v11.stomp", commonName: "Name: STOMP 1.1 specification", definition: "http://stomp.github.com/stomp-specification-1.1.html", reference: "Jeff_Mesnil" },
  { name: "v12.stomp", commonName: "Name: STOMP 1.2 specification", definition: "http://stomp.github.com/stomp-specification-1.2.html", reference: "Jeff_Mesnil" },
  { name: "ocpp1.2", commonName: "OCPP 1.2", definition: "http://www.gir.fr/ocppjs/ocpp_srpc_spec.shtml", reference: "Patrick_Rademakers" },
  { name: "ocpp1.5", commonName: "OCPP 1.5", definition: "http://www.gir.fr/ocppjs/ocpp_srpc_spec.shtml", reference: "Patrick_Rademakers" },
  { name: "ocpp1.6", commonName: "OCPP 1.6", definition: "http://www.gir.fr/ocppjs/ocpp_srpc_spec.shtml", reference: "Patrick_Rademakers" },
  { name: "ocpp2.0", commonName: "OCPP 2.0", definition: "http://www.gir.fr/ocppjs/ocpp_srpc_spec.shtml", reference: "Patrick_Rademakers" },
  { name: "rfb", commonName: "RFB", definition: "RFC 6143", reference: "Tristan_Richardson" },
  { name: "sip", commonName: "WebSocket Transport for SIP (Session Intiation Protocol)", definition: "RFC 7118", reference: "RFC 7118" },
  {
    name: "notificationchannel-netapi-rest.openmobilealliance.org",
    commonName: "OMA RESTful Network API for Notification Channel",
    definition: "OMA RESTful Network API for Notification Channel V 1.0, Open Mobile Alliance, OMA-TS-REST_NetAPI_NotificationChannel-V1_0",
    reference: "OMNA_-_Open_Mobile_Naming_Authority, Uwe_Rauschenbach",
  },
  { name: "wpcp", commonName: "Web Process Control Protocol (WPCP)", definition: "http://wpcp.net/spec/", reference: "Patrick_Gansterer" },
  { name: "amqp", commonName: "Advanced Message Queuing Protocol (AMQP) 1.0+", definition: "http://docs.oasis-open.org/amqp-bindmap/amqp-wsb/v1.0/csprd02/amqp-wsb-v1.0-csprd02.pdf", reference: "Robin_Cover" },
  { name: "mqtt", commonName: "mqtt", definition: "MQTT Version 3.1.1", reference: "Robin_Cover" },
  { name: "jsflow", commonName: "jsFlow pubsub/queue protocol", definition: "http://www.jsflow.com/definition", reference: "Magnus_Lundstedt" },
  { name: "rwpcp", commonName: "Reverse Web Process Control Protocol (RWPCP)", definition: "http://wpcp.net/spec/", reference: "Patrick_Gansterer" },
  { name: "xmpp", commonName: "WebSocket Transport for the Extensible Messaging and Presence Protocol (XMPP)", definition: "RFC 7395", reference: "RFC 7395" },
  {
    name: "ship",
    commonName: "SHIP - Smart Home IP",
    definition:
      "SHIP (Smart Home IP) is a an IP based approach to plug and play home automation and smart energy / energy efficiency, which can easily be extended to additional domains such as Ambient Assisted Living (AAL). SHIP can be used solely on the customer premises or can be integrated into a cloud based solution.",
    reference: "EEBus Initiative, Andreas_Westermann",
  },
  {
    name: "mielecloudconnect",
    commonName: "Miele Cloud Connect Protocol",
    definition:
      "This protocol is used to securely connect household or professional appliances to an internet service portal via a public communication network in order to enable remote services. The specification is not published yet.",
    reference: "Nils_Langhammer",
  },
  { name: "v10.pcp.sap.com", commonName: "Push Channel Protocol", definition: "https://scn.sap.com/community/abap/connectivity/blog/2015/07/27/specification-of-the-push-channel-protocol-pcp", reference: "Masoud_Aghadavoodi_Jolfaei" },
  { name: "msrp", commonName: "WebSocket Transport for MSRP (Message Session Relay Protocol)", definition: "RFC 7977", reference: "RFC 7977" },
  { name: "v1.saltyrtc.org", commonName: "SaltyRTC 1.0", definition: "https://github.com/saltyrtc/saltyrtc-meta/blob/master/Protocol.md", reference: "Lennart_Grahl" },
];

const SUBPROTOCOLS_BY_NAME: ReadonlyMap<string, SubprotocolInfo> = new Map(SUBPROTOCOL_REGISTRY.map((info) => [info.name, info]));

/**
 * The registry row for a subprotocol name, compared exactly: subprotocol names are
 * case-sensitive (`MQTT` is not `mqtt`).
 */
export function lookupSubprotocol(name: string): SubprotocolInfo | undefined {
  return SUBPROTOCOLS_BY_NAME.get(name);
}

/** One row of the WebSocket Framing Header Bits Registry (RFC 6455 §11.9). */
export interface HeaderBitInfo {
  readonly bit: "RSV1" | "RSV2" | "RSV3";
  readonly description: string;
  readonly reference: string;
}

/** The assigned RSV bits. RSV2 and RSV3 are unassigned. */
export const HEADER_BITS_REGISTRY: readonly HeaderBitInfo[] = [
  {
    bit: "RSV1",
    description: 'The "Per-Message Compressed" bit, which indicates whether or not the message is compressed',
    reference: "RFC 7692",
  },
];
