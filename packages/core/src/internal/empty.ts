/**
 * The one shared empty list. Connections, requests and readers with nothing in a list point
 * here instead of holding an empty array each: a server keeps those for every connection.
 */
export const NONE: readonly never[] = Object.freeze([]);
