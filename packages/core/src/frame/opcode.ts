/** Frame opcodes (RFC 6455 §5.2, IANA "WebSocket Opcode Registry"). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export const isControlOpcode = (opcode: number): boolean => (opcode & 0x8) !== 0;

/** Opcodes 3-7 and 11-15 are reserved for further frames (RFC 6455 §5.2). */
export const isReservedOpcode = (opcode: number): boolean =>
  (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xb;

/** RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less". */
export const MAX_CONTROL_PAYLOAD = 125;

/** The RSV bits as they sit in the first header byte. */
export const RSV1 = 0x40;
export const RSV2 = 0x20;
export const RSV3 = 0x10;
