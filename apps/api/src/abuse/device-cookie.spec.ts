import type { FastifyReply, FastifyRequest } from 'fastify';
import { loadConfig } from '../config/config.js';
import { DeviceCookie } from './device-cookie.js';

const OLD = 'device-cookie-spec-old-secret-0123456789ab';
const NEW = 'device-cookie-spec-new-secret-0123456789ab';
const EMAIL = 'ada.lovelace@example.com';

const device = (secrets: string[]) =>
  new DeviceCookie(loadConfig({ SESSION_SECRETS: secrets.join(',') }));

/** The Set-Cookie value a DeviceCookie writes, as the next request's Cookie header. */
function written(by: DeviceCookie, trusted?: string): { header: string; nonce: string } {
  let line = '';
  const reply = {
    header: (_name: string, value: string) => {
      line = value;
      return reply;
    },
  } as unknown as FastifyReply;
  const nonce = by.write(reply, EMAIL, trusted);
  return { header: line.split(';')[0]!, nonce };
}

const request = (cookie: string) => ({ headers: { cookie } }) as unknown as FastifyRequest;

describe(DeviceCookie.name, () => {
  it('rotating SESSION_SECRETS: written under the first secret, trusted under every secret of the ring', () => {
    const [old, oldNew, newOld, onlyNew] = [[OLD], [OLD, NEW], [NEW, OLD], [NEW]].map(device);
    const fromOld = written(old!);
    const fromNewOld = written(newOld!);
    // Step 1 and step 2: every instance trusts what any other one wrote.
    for (const by of [oldNew!, newOld!]) {
      expect(by.trustedFor(request(fromOld.header), EMAIL)).toBe(fromOld.nonce);
      expect(by.trustedFor(request(fromNewOld.header), EMAIL)).toBe(fromNewOld.nonce);
    }
    // Only for the address it was written for.
    expect(oldNew!.trustedFor(request(fromOld.header), 'grace@example.com')).toBeUndefined();
    // Re-written at the next sign-in under the current secret, with the same nonce (its bucket).
    const again = written(newOld!, newOld!.trustedFor(request(fromOld.header), EMAIL));
    expect(again.nonce).toBe(fromOld.nonce);
    expect(onlyNew!.trustedFor(request(again.header), EMAIL)).toBe(fromOld.nonce);
    // Once the old secret has left the ring, a browser not signed in since is a new browser.
    expect(onlyNew!.trustedFor(request(fromOld.header), EMAIL)).toBeUndefined();
  });
});
