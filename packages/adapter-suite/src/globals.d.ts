/// <reference path="../../session/src/globals.d.ts" />
// The suite is runtime-neutral: the session layer's web-platform globals plus `console`.
declare const console: {
  log(...data: unknown[]): void;
  error(...data: unknown[]): void;
};
