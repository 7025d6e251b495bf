import { describe, expect, it } from 'vitest'
import { parseTrustProxy } from '../../services/auth/src/config.ts'
import { auth, useTestApp, type TestApp } from '../support/app/test-app.ts'

// Finding 3 of the security review: TRUST_PROXY=true trusted every hop, so the per-IP limit
// keyed on the client-written leftmost X-Forwarded-For (50 of 50 passed with a limit of 10).
async function app(trustProxy: string, opts: { logs?: boolean } = {}) {
  return useTestApp({ TRUST_PROXY: trustProxy, RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '3' }, opts)
}

const LB = '10.0.1.20' // the load balancer: the socket peer
/** A client that writes its own X-Forwarded-For, through a balancer that appends the real address. */
const spoofed = (t: TestApp, i: number, client = '203.0.113.7') =>
  t.app.inject({
    url: '/v1/callers/+819012345678',
    headers: { ...auth, 'x-forwarded-for': `198.51.100.${i}, ${client}` },
    remoteAddress: LB,
  })
const statuses = async (t: TestApp, n: number, client?: string) => {
  const out = []
  for (let i = 0; i < n; i++) out.push((await spoofed(t, i, client)).statusCode)
  return out
}

describe('TRUST_PROXY', () => {
  it.each([
    ['1', 'a hop count: the address the nearest proxy appended'],
    ['10.0.0.0/16', "the load balancer's CIDR"],
    ['10.0.1.20, 10.0.2.0/24', 'a list of addresses and CIDRs'],
  ])('TRUST_PROXY=%s (%s): a client rotating its own X-Forwarded-For is still one client', async (value) => {
    const t = await app(value)
    expect(await statuses(t, 6)).toEqual([404, 404, 404, 429, 429, 429])
    // Another real client behind the same balancer has its own allowance.
    expect(await statuses(t, 1, '203.0.113.8')).toEqual([404])
  })

  it('false (the default): the socket address, X-Forwarded-For ignored', async () => {
    const t = await app('false')
    expect(await statuses(t, 4)).toEqual([404, 404, 404, 429])
    // Every client behind the balancer shares its address: that is why the setting exists.
    expect(await statuses(t, 1, '203.0.113.8')).toEqual([429])
  })

  it('true trusts every hop (spoofable) and says so at start', async () => {
    const t = await app('true', { logs: true })
    expect(t.logs()).toMatch(/"level":40.*TRUST_PROXY=true trusts every X-Forwarded-For hop/)
    expect(await statuses(t, 6)).toEqual([404, 404, 404, 404, 404, 404])
  })

  it('parses false, hop counts, and address/CIDR lists; refuses anything else naming the variable', () => {
    expect(parseTrustProxy('false')).toBe(false)
    expect(parseTrustProxy('')).toBe(false)
    expect(parseTrustProxy('true')).toBe(true)
    expect(parseTrustProxy('2')).toBe(2)
    expect(parseTrustProxy('10.0.0.0/8, 192.0.2.1,2001:db8::/32')).toEqual(['10.0.0.0/8', '192.0.2.1', '2001:db8::/32'])
    for (const bad of ['0', '11', 'yes', '10.0.0.0/33', '10.0.0/8', 'loopback', '10.0.0.1/8/2', '2001:db8::/129']) {
      expect(() => parseTrustProxy(bad), bad).toThrow(/TRUST_PROXY/)
    }
  })
})
