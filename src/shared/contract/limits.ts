/**
 * The largest inputs a caller may send, in one place: the contracts check them, and the web
 * shell's limit on a call's body is derived from them, so every input a contract accepts also
 * gets through the transport (and a larger body is refused as too large before it is parsed).
 */

/** manifests.write: the text of one workspace file, in characters (UTF-16 code units, as zod counts them). */
export const maxWorkspaceFileChars = 20_000_000;

/** clusters.import: kubeconfig YAML imported at once (pasted or dropped), in characters. */
export const maxKubeconfigImportChars = 5_000_000;

/**
 * A call's body in the web shell, in bytes: the largest text above at its longest JSON encoding
 * (six bytes a character, as in `\u0001`), plus 1 MiB for the call's other fields.
 */
export const maxRequestBodyBytes = 6 * Math.max(maxWorkspaceFileChars, maxKubeconfigImportChars) + 2 ** 20;
