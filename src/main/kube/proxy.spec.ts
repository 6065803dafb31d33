import { describe, expect, it } from 'vitest';
import { environmentProxy, isLoopback, noProxyMatches } from './proxy.ts';

describe('environment proxies, as kubectl (Go) reads them', () => {
  it.each([
    ['https://api.example.com', '*', true],
    ['https://api.example.com', 'example.com', true],
    ['https://example.com', 'example.com', true],
    ['https://badexample.com', 'example.com', false],
    ['https://example.com', '.example.com', false],
    ['https://api.example.com', '.example.com', true],
    ['https://api.example.com', '*.example.com', true],
    ['https://API.Example.COM', ' other.org , EXAMPLE.com ', true],
    ['https://api.example.com:6443', 'example.com:6443', true],
    ['https://api.example.com:6443', 'example.com:443', false],
    ['https://api.example.com', 'example.com:443', true],
    ['http://api.example.com', 'example.com:80', true],
    ['https://10.1.2.3', '10.0.0.0/8', true],
    ['https://11.1.2.3', '10.0.0.0/8', false],
    ['https://10.1.2.3:6443', '10.1.2.3', true],
    ['https://10.1.2.3:6443', '10.1.2.3:443', false],
    ['https://[fd00::5]:6443', 'fd00::/8', true],
    ['https://[fd00::5]:6443', '[fd00::5]:6443', true],
    ['https://10.1.2.3', '10.0.0.0/99, example.com', false],
    ['https://api.example.com', '10.0.0.0/8', false],
    ['https://api.example.com', '', false],
  ])('%s with NO_PROXY=%j: bypassed %s', (server, noProxy, bypassed) => {
    expect(noProxyMatches(new URL(server), noProxy)).toBe(bypassed);
  });

  it('takes HTTPS_PROXY for https://, HTTP_PROXY for http://, upper case first, a bare host:port as http://', () => {
    const env = { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', http_proxy: 'plain.corp:8080' };
    expect(environmentProxy(new URL('https://api.example.com'), env)?.url.href).toBe('http://upper:3128/');
    expect(environmentProxy(new URL('http://api.example.com'), env)?.url.href).toBe('http://plain.corp:8080/');
    expect(environmentProxy(new URL('https://api.example.com'), { https_proxy: 'socks5://user:pw@bastion:1080' })?.label).toBe('socks5://bastion:1080 from HTTPS_PROXY');
  });

  it('never proxies localhost or loopback addresses', () => {
    for (const host of ['localhost', '127.0.0.1', '127.9.9.9', '[::1]']) {
      expect(isLoopback(host)).toBe(true);
      expect(environmentProxy(new URL(`https://${host}:6443`), { HTTPS_PROXY: 'http://proxy:3128' })).toBeUndefined();
    }
    expect(isLoopback('10.0.0.1')).toBe(false);
    expect(isLoopback('localhost.example.com')).toBe(false);
  });
});
