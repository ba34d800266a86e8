// Core's sources (imported as TypeScript) name `TextDecoder` as a type; @types/node declares it
// only as a value, and core's own lib/globals.d.ts is not part of this program.
type TextDecoder = import("node:util").TextDecoder;
