import { describe, expect, it } from 'vitest'
import { readForwardConfig } from '../../shims/lib/forward.ts'

describe('readForwardConfig', () => {
  const env = { AUTH_SERVICE_URL: 'https://pinline.internal', AUTH_SERVICE_API_KEY: 'k'.repeat(20) }

  it('appends the route to the service URL, keeping any path prefix', () => {
    expect(readForwardConfig('/v1/channels/lex', 3000, env).url).toBe('https://pinline.internal/v1/channels/lex')
    expect(
      readForwardConfig('/v1/channels/lex', 3000, { ...env, AUTH_SERVICE_URL: 'https://gw.example/pinline/' }).url,
    ).toBe('https://gw.example/pinline/v1/channels/lex')
  })

  it('uses the default time box unless AUTH_SERVICE_TIMEOUT_MS says otherwise', () => {
    expect(readForwardConfig('/x', 2500, env).timeoutMs).toBe(2500)
    expect(readForwardConfig('/x', 2500, { ...env, AUTH_SERVICE_TIMEOUT_MS: '1200' }).timeoutMs).toBe(1200)
  })

  it('names the variable that is missing or wrong', () => {
    expect(() => readForwardConfig('/x', 2500, { ...env, AUTH_SERVICE_URL: undefined })).toThrow(/AUTH_SERVICE_URL/)
    expect(() => readForwardConfig('/x', 2500, { ...env, AUTH_SERVICE_URL: 'pinline.internal' })).toThrow(
      /AUTH_SERVICE_URL/,
    )
    expect(() => readForwardConfig('/x', 2500, { ...env, AUTH_SERVICE_API_KEY: '' })).toThrow(/AUTH_SERVICE_API_KEY/)
    expect(() => readForwardConfig('/x', 2500, { ...env, AUTH_SERVICE_TIMEOUT_MS: 'soon' })).toThrow(
      /AUTH_SERVICE_TIMEOUT_MS/,
    )
    const fromSecret = {
      AUTH_SERVICE_URL: env.AUTH_SERVICE_URL,
      AUTH_SERVICE_API_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:k',
    }
    expect(readForwardConfig('/x', 2500, fromSecret).url).toBe('https://pinline.internal/x')
    expect(() =>
      readForwardConfig('/x', 2500, { ...fromSecret, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: 'twenty' }),
    ).toThrow(/PARAMETERS_SECRETS_EXTENSION_HTTP_PORT/)
  })
})
