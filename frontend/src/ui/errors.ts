/** A readable text for a failed request: the server's own message (in the user's language),
 * else a generic one. Never a stack trace. */
import { ApiError, NetworkError } from "../realtime/index.js";
import { getLanguage, translate } from "../i18n/index.js";
import { common } from "./messages.js";

export function errorMessage(error: unknown): string {
  const language = getLanguage();
  if (error instanceof NetworkError) return translate(common, language, "networkError");
  if (error instanceof ApiError && error.status < 500 && error.message) return error.message;
  return translate(common, language, "serverError");
}

/** The error code of a failed request, if the server gave one. */
export function errorCode(error: unknown): string | null {
  return error instanceof ApiError ? error.code : null;
}
