export { API_KEY_PREFIX, apiKeyChecksum, generateApiKey, isWellFormedApiKey } from './api-key-format';
export { findLiveApiKey, knownScopes, touchApiKeyLastUsed } from './api-keys';
export {
  type AuthenticateOptions,
  type AuthenticationRequest,
  authenticateRequest,
  bearerToken,
  sessionToken,
} from './authenticate';
export { clearSessionCookie, setSessionCookie } from './cookies';
export { hashPassword, SCRYPT_PARAMS, verifyAgainstDummy, verifyPassword } from './password';
export {
  createSession,
  findActiveOrganizationId,
  findLiveSessionByToken,
  revokeSession,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from './sessions';
export { generateSessionToken, sha256Hex } from './tokens';
