import { AddressClass, classifyAddress, literalAddress } from './network-address';
import { urlProblem } from './webhook-url';

describe('network address classification (SSRF guard)', () => {
  it.each<[string, AddressClass]>([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['100.128.0.1', 'public'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    // IPv4 hosts in IPv6 clothing are judged as the IPv4 host they reach.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::8.8.8.8', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('refuses what is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow('not an IP address');
  });

  it('reads an address written in a URL host, brackets and all', () => {
    expect(literalAddress('[::1]')).toBe('::1');
    expect(literalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(literalAddress('hooks.example.com')).toBeUndefined();
  });
});

describe('subscription URL rules', () => {
  const strict = { allowHttp: false, allowPrivateNetworks: false };

  it.each([
    ['http://hooks.example.com/x', 'must be https://'],
    ['ftp://hooks.example.com/x', 'must be https://'],
    ['not a url', 'absolute URL'],
    ['https://user:pw@hooks.example.com/', 'credentials'],
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://[::1]:8443/hook', 'loopback'],
    ['https://[::ffff:a9fe:a9fe]/latest/meta-data', 'link-local'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    // The URL parser reads these old spellings of 127.0.0.1 as what they are.
    ['https://2130706433/', 'loopback'],
    ['https://0x7f.1/', 'loopback'],
    ['https://localhost:8443/', 'loopback'],
    ['https://api.localhost/', 'loopback'],
    ['https://10.1.2.3/', 'private'],
  ])('refuses %s (%s)', (url, why) => {
    const result = urlProblem(url, strict);
    expect('problem' in result && result.problem).toContain(why);
  });

  it('accepts a public https URL, without its fragment', () => {
    expect(urlProblem('https://hooks.example.com/linetrust?tenant=7#x', strict)).toEqual({ normalized: 'https://hooks.example.com/linetrust?tenant=7' });
  });

  it('accepts http:// and private addresses only when the flags allow them', () => {
    expect(urlProblem('http://127.0.0.1:9000/hook', { allowHttp: true, allowPrivateNetworks: true })).toEqual({ normalized: 'http://127.0.0.1:9000/hook' });
    expect(urlProblem('http://127.0.0.1:9000/hook', { allowHttp: true, allowPrivateNetworks: false })).toEqual({
      problem: 'url must not point to a loopback address (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)',
    });
  });
});
