import type { FastifyRequest } from 'fastify';
import { csrfRejection } from './csrf.js';

const OWN = 'http://api.example.test:3000';
const ALLOWED = new Set(['http://localhost:5173', 'https://app.example.com']);

function request(
  method: string,
  headers: Record<string, string> = {},
  protocol: 'http' | 'https' = 'http',
): FastifyRequest {
  return {
    method,
    protocol,
    headers: { host: 'api.example.test:3000', ...headers },
  } as unknown as FastifyRequest;
}

describe(csrfRejection.name, () => {
  it.each(['GET', 'HEAD', 'OPTIONS'])('never rejects %s, whatever the headers say', (method) => {
    const req = request(method, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' });
    expect(csrfRejection(req, ALLOWED)).toBeUndefined();
  });

  describe.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s', (method) => {
    it.each(['cross-site', 'same-site'])('rejects Sec-Fetch-Site: %s', (site) => {
      expect(csrfRejection(request(method, { 'sec-fetch-site': site }), ALLOWED)).toBe(
        `Sec-Fetch-Site: ${site}`,
      );
    });

    it('rejects Sec-Fetch-Site: cross-site even with an allowed Origin', () => {
      const req = request(method, {
        'sec-fetch-site': 'cross-site',
        origin: 'http://localhost:5173',
      });
      expect(csrfRejection(req, ALLOWED)).toBeDefined();
    });

    it.each(['same-origin', 'none'])('passes Sec-Fetch-Site: %s without Origin', (site) => {
      expect(csrfRejection(request(method, { 'sec-fetch-site': site }), ALLOWED)).toBeUndefined();
    });

    it('passes an Origin equal to its own origin', () => {
      const req = request(method, { 'sec-fetch-site': 'same-origin', origin: OWN });
      expect(csrfRejection(req, ALLOWED)).toBeUndefined();
    });

    it('derives its own origin from the protocol Fastify saw', () => {
      const https = request(method, { origin: 'https://api.example.test:3000' }, 'https');
      expect(csrfRejection(https, ALLOWED)).toBeUndefined();
      const mismatch = request(method, { origin: 'https://api.example.test:3000' }, 'http');
      expect(csrfRejection(mismatch, ALLOWED)).toBe('Origin not allowed');
    });

    it.each([...ALLOWED])('passes the allowed Origin %s', (origin) => {
      expect(csrfRejection(request(method, { origin }), ALLOWED)).toBeUndefined();
    });

    it.each([
      'https://evil.test',
      'http://api.example.test:3001',
      'http://api.example.test',
      'http://localhost:5173.evil.test',
      'http://localhost:5173/',
    ])('rejects the Origin %s', (origin) => {
      expect(csrfRejection(request(method, { origin }), ALLOWED)).toBe('Origin not allowed');
    });

    it('rejects Origin: null (sandboxed frames, some redirects)', () => {
      expect(csrfRejection(request(method, { origin: 'null' }), ALLOWED)).toBe('Origin: null');
      // Even when someone lists "null" as allowed.
      expect(csrfRejection(request(method, { origin: 'null' }), new Set(['null']))).toBe(
        'Origin: null',
      );
    });

    it('rejects a foreign Origin even when Sec-Fetch-Site claims same-origin', () => {
      const req = request(method, { 'sec-fetch-site': 'same-origin', origin: 'https://evil.test' });
      expect(csrfRejection(req, ALLOWED)).toBe('Origin not allowed');
    });

    it('passes requests with neither header (curl, servers)', () => {
      expect(csrfRejection(request(method), ALLOWED)).toBeUndefined();
    });

    it('rejects any Origin when there is no Host header and no allowed origins', () => {
      const req = {
        method,
        protocol: 'http',
        headers: { origin: 'http://undefined' },
      } as unknown as FastifyRequest;
      expect(csrfRejection(req, new Set())).toBe('Origin not allowed');
    });
  });
});
